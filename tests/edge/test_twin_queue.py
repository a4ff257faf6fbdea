"""Blurred twins are made on one thread per process: the camera goes on meanwhile, twins
never run two at once, and a queue that is full lets events go on without one."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from functools import partial
from pathlib import Path

import pytest

from doorstep.edge.capture import capture
from doorstep.edge.config import CameraConfig, FaceConfig, FileSource, HogDetector, RecordConfig
from doorstep.edge.detect.faces import FaceDetector
from doorstep.edge.detect.factory import make_detector
from doorstep.edge.media import CameraHealth
from doorstep.edge.pipeline import CameraPipeline, RecordedEvent
from doorstep.edge.twin_queue import TwinQueue

TRIGGERS_AT = (2.0, 6.0)  # seconds into the 30 s video: two doorbell events, 1 s post-roll


def test_jobs_run_one_at_a_time_in_order_off_the_callers_thread() -> None:
    twins = TwinQueue(max_waiting=5)
    running, most, ran = 0, 0, []
    lock = threading.Lock()

    def job(number: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        ran.append((number, threading.current_thread().name))
        with lock:
            running -= 1

    submitted = [twins.submit(partial(job, number)) for number in range(5)]
    for future in submitted:
        assert future is not None
        future.result(timeout=10)
    assert [number for number, _ in ran] == [0, 1, 2, 3, 4]
    assert most == 1
    assert {name for _, name in ran} != {threading.current_thread().name}
    assert twins.waiting == 0


def test_more_threads_make_twins_side_by_side() -> None:
    twins, met = TwinQueue(threads=2), []
    both = threading.Barrier(2, timeout=5)  # passed only by two jobs running at once

    def job() -> None:
        both.wait()
        met.append(threading.current_thread().name)

    submitted = [twins.submit(job), twins.submit(job)]
    for future in submitted:
        assert future is not None
        future.result(timeout=10)
    assert len(set(met)) == 2


def test_a_full_queue_refuses_until_a_job_is_done() -> None:
    twins, release = TwinQueue(max_waiting=2), threading.Event()
    first = twins.submit(lambda: release.wait(10))
    second = twins.submit(lambda: None)
    assert first is not None and second is not None
    assert twins.submit(lambda: None) is None
    release.set()
    second.result(timeout=10)
    third = twins.submit(lambda: None)
    assert third is not None
    third.result(timeout=10)


def test_a_job_that_fails_is_logged_and_the_next_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    twins, ran = TwinQueue(), []

    def broken() -> None:
        raise RuntimeError("the encoder went away")

    failed = twins.submit(broken)
    after = twins.submit(lambda: ran.append("after"))
    assert failed is not None and after is not None
    after.result(timeout=10)
    assert failed.exception() is None
    assert ran == ["after"]
    assert "the encoder went away" in caplog.text
    assert twins.waiting == 0


def _doorbell_camera(video: Path) -> CameraConfig:
    return CameraConfig(
        id=uuid.uuid4(),
        name="Door",
        source=FileSource(path=video, realtime=False),
        detect=HogDetector(min_score=0.99),  # nothing but the doorbell makes events here
        record=RecordConfig(pre_roll_s=1.0, post_roll_s=1.0),
    )


def _pipeline(
    camera: CameraConfig, twins: TwinQueue, events: list[RecordedEvent], workdir: Path
) -> CameraPipeline:
    return CameraPipeline(
        camera,
        detector=make_detector(camera.detect),
        faces=FaceDetector(FaceConfig()),
        on_event=events.append,
        workdir=workdir,
        twin_queue=twins,
    )


def _play(pipeline: CameraPipeline, camera: CameraConfig, workdir: Path) -> None:
    """The whole video through ``pipeline``, the doorbell pressed at each of TRIGGERS_AT."""
    pressed = list(TRIGGERS_AT)
    for item in capture(camera, stop=threading.Event(), health=CameraHealth(), data_dir=workdir):
        pipeline.process(item)
        if pressed and item.seconds >= pressed[0]:
            pressed.pop(0)
            pipeline.trigger("doorbell")


def test_the_camera_goes_on_while_its_twins_wait_and_finish_hands_them_on(
    long_video: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    camera = _doorbell_camera(long_video)
    twins, release = TwinQueue(), threading.Event()
    busy = twins.submit(lambda: release.wait(60))  # another camera's twin, being made
    assert busy is not None
    events: list[RecordedEvent] = []
    pipeline = _pipeline(camera, twins, events, tmp_path)

    _play(pipeline, camera, tmp_path)  # the whole 30 s, both events' clips cut on the way

    assert events == []  # each waits for its twin, behind the busy one
    assert twins.waiting == 1 + len(TRIGGERS_AT)
    finishing = threading.Thread(target=pipeline.finish)
    with caplog.at_level(logging.INFO, logger="doorstep.edge.pipeline"):
        finishing.start()
        finishing.join(0.5)
    assert finishing.is_alive()  # finish waits for this camera's twins, and says so
    assert "making the blurred twins of 2 event(s) before stopping" in caplog.text
    release.set()
    finishing.join(60)
    assert not finishing.is_alive()
    assert [event.trigger for event in events] == ["doorbell", "doorbell"]
    assert [event.start_s for event in events] == sorted(event.start_s for event in events)
    for event in events:
        assert event.twin_clip.startswith(b"\x00\x00\x00") and b"ftyp" in event.twin_clip[:16]
        assert event.twin_snapshot.startswith(b"\xff\xd8")
    assert list(tmp_path.glob("*.mp4")) == []  # clips and twins are not left in the workdir


def test_an_event_goes_on_without_a_twin_when_the_queue_is_full(
    long_video: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    camera = _doorbell_camera(long_video)
    twins, release = TwinQueue(max_waiting=1), threading.Event()
    busy = twins.submit(lambda: release.wait(60))
    assert busy is not None
    events: list[RecordedEvent] = []
    pipeline = _pipeline(camera, twins, events, tmp_path)
    try:
        with caplog.at_level(logging.ERROR, logger="doorstep.edge.pipeline"):
            _play(pipeline, camera, tmp_path)
    finally:
        release.set()
    pipeline.finish()

    assert [event.trigger for event in events] == ["doorbell", "doorbell"]
    assert all(event.clip and event.twin_clip == b"" == event.twin_snapshot for event in events)
    assert "1 blurred twins are waiting to be made; this event goes without one" in caplog.text
    assert list(tmp_path.glob("*.mp4")) == []
