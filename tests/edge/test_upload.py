"""Uploads reach a real hub exactly once, through outages and a kill -9."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from doorstep.edge.outbox import Outbox
from doorstep.edge.upload import Backoff, HubClient, HubRefused, HubUnavailable, Uploader
from tests.edge.hub_process import HubProcess, hub_clips, pair_camera, record_events
from tests.edge.test_daemon import wait_until


def test_events_recorded_while_the_hub_is_down_arrive_once(tmp_path: Path, hub: HubProcess) -> None:
    camera = pair_camera(hub.url)
    hub.stop()
    outbox = Outbox(tmp_path / "outbox", quota_bytes=100_000_000)
    ids = record_events(outbox, camera, 3, 50_000)
    client = HubClient(hub.url, camera.device_token, timeout=5)
    uploader = Uploader(outbox, client, backoff=Backoff(initial=0.05, maximum=0.3))
    stop = threading.Event()
    worker = threading.Thread(target=uploader.run, args=(stop,))
    worker.start()
    try:
        # It tried three times, backing off, and lost nothing meanwhile.
        wait_until(lambda: outbox.get(ids[0]).attempts >= 3, timeout=10)
        assert uploader.last_error is not None
        assert len(outbox.pending()) == 3
        hub.start()
        wait_until(lambda: not outbox.pending(), timeout=30)
    finally:
        stop.set()
        worker.join(timeout=10)
        client.close()
    clips = hub_clips(hub.url, camera.camera_id, camera.owner_cookies)
    assert sorted(c["id"] for c in clips) == sorted(str(i) for i in ids)
    assert all(outbox.get(i).state == "uploaded" for i in ids)


UPLOAD_WORKER = """
import sys, threading
from pathlib import Path
from doorstep.edge.outbox import Outbox
from doorstep.edge.upload import Backoff, HubClient, HubRefused, HubUnavailable, Uploader
outbox = Outbox(Path(sys.argv[1]), quota_bytes=10**9)
client = HubClient(sys.argv[2], sys.argv[3])
Uploader(outbox, client, backoff=Backoff(0.05, 0.2)).run(threading.Event(), exit_on_empty=True)
"""


def test_kill_9_mid_upload_loses_and_duplicates_nothing(tmp_path: Path, hub: HubProcess) -> None:
    camera = pair_camera(hub.url)
    directory = tmp_path / "outbox"
    outbox = Outbox(directory, quota_bytes=10**9)
    ids = record_events(outbox, camera, 3, 8_000_000)
    command = [sys.executable, "-c", UPLOAD_WORKER, str(directory), hub.url, camera.device_token]
    worker = subprocess.Popen(command)
    deadline = time.monotonic() + 30
    # Kill it once some, but not all, of the work is done.
    while time.monotonic() < deadline:
        item = outbox.get(ids[1])
        if any(part.uploaded for part in item.parts) or item.state == "uploaded":
            break
        time.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert outbox.pending(), "the worker finished before it could be killed"
    subprocess.run(command, check=True, timeout=60)
    clips = hub_clips(hub.url, camera.camera_id, camera.owner_cookies)
    assert sorted(c["id"] for c in clips) == sorted(str(i) for i in ids)
    for clip in clips:
        item = outbox.get(uuid.UUID(str(clip["id"])))
        uploaded = {p["part"]: p["sha256"] for p in clip["parts"]}
        assert uploaded == {p.name: p.sha256 for p in item.parts}


@pytest.mark.parametrize(
    ("status", "headers", "body", "final"),
    [
        (422, {}, b'{"error": "invalid_input", "detail": "ended_at is in the future"}', True),
        (409, {}, b'{"error": "conflict", "detail": "clip id is taken"}', True),
        (404, {}, b"<html>the proxy has no such page</html>", False),
        (301, {"location": "https://hub.example/v1/device/clips"}, b"", False),
        (503, {}, b'{"error": "storage_error", "detail": "storage unreachable"}', False),
        (429, {"retry-after": "7"}, b'{"error": "rate_limited", "detail": "slow down"}', False),
        (401, {}, b'{"error": "authentication_failed", "detail": "token revoked"}', False),
    ],
)
def test_only_the_hubs_own_refusals_are_final(
    tmp_path: Path, status: int, headers: dict[str, str], body: bytes, final: bool
) -> None:
    """A redirect or a proxy's error page must not make the edge give up on an event."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    outbox = Outbox(tmp_path, quota_bytes=10**9)
    now = datetime.now(UTC)
    item = outbox.add(
        camera_id=uuid.uuid4(), started_at=now, ended_at=now, parts={"details": b"{}"}
    )
    client = HubClient("http://hub.test", "token", transport=httpx.MockTransport(answer))
    expected = HubRefused if final else HubUnavailable
    with pytest.raises(expected) as raised:
        Uploader(outbox, client).upload(item)
    if status == 429:
        assert isinstance(raised.value, HubUnavailable) and raised.value.retry_after == 7


def test_parts_the_hub_dropped_are_sent_again(tmp_path: Path) -> None:
    """After days offline between upload and commit the hub has dropped the parts."""
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        if request.method == "POST":
            body = b'{"error": "invalid_input", "detail": "parts.details: not uploaded yet"}'
            return httpx.Response(422, content=body)
        return httpx.Response(200, json={})

    outbox = Outbox(tmp_path, quota_bytes=10**9)
    now = datetime.now(UTC)
    item = outbox.add(
        camera_id=uuid.uuid4(), started_at=now, ended_at=now, parts={"details": b"{}"}
    )
    client = HubClient("http://hub.test", "token", transport=httpx.MockTransport(answer))
    with pytest.raises(HubUnavailable, match="sent again"):
        Uploader(outbox, client).upload(item)
    assert sent == ["PUT", "POST"]
    assert not outbox.get(item.id).parts[0].uploaded
    assert outbox.get(item.id).state == "pending"
