"""`doorstep edge run` against a real hub and Mosquitto: an event goes from file to hub."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from doorstep.edge.config import load_edge_config
from doorstep.edge.daemon import EdgeDaemon
from doorstep.edge.synthetic import Walker, scene, write_h264
from doorstep.owner.keys import open_clip_part
from tests.cli.processes import free_port
from tests.edge.hub_process import HubProcess, create_home, hub_clips, pair_with_cli
from tests.edge.test_mqtt import LEFT_BEHIND, Listener


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_recorded_event_reaches_the_hub_sealed_and_home_assistant(
    tmp_path: Path, hub: HubProcess
) -> None:
    home = create_home(hub.url)
    pair_with_cli(hub.url, home, tmp_path / "edge-data")
    video = tmp_path / "door.mp4"
    write_h264(
        video,
        scene(width=640, height=360, fps=15, duration_s=12, walkers=[Walker(2.0, 6.0)]),
        fps=15,
    )
    run = uuid.uuid4().hex[:8]
    live_port = free_port()
    config = tmp_path / "edge.toml"
    config.write_text(
        f"""
data_dir = "edge-data"
[hub]
url = "{hub.url}"
token_file = "edge-data/edge-token"
[mqtt]
enabled = true
topic_prefix = "doorstep-test-{run}"
discovery_prefix = "ha-test-{run}"
[live]
port = {live_port}
[twins]
threads = 2
[[cameras]]
id = "{home.camera_id}"
name = "Door"
source = {{ type = "file", path = "{video}", realtime = false }}
"""
    )
    listener = Listener(f"doorstep-test-{run}")
    daemon = EdgeDaemon(load_edge_config(config), base_dir=tmp_path)
    assert daemon.twins.threads == 2  # the cameras' twins go to the queue the config sized
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: len(hub_clips(hub.url, home.camera_id, home.cookies)) == 1)
        event = json.loads(listener.wait_for(f"doorstep-test-{run}/{home.camera_id}/event"))
        assert event["label"] == "person"
        token = (tmp_path / "edge-data" / "live-token").read_text()
        listing = httpx.get(f"http://127.0.0.1:{live_port}/cameras", params={"token": token})
        assert listing.json()["cameras"][0]["name"] == "Door"
    finally:
        stop.set()
        thread.join(timeout=60)
        LEFT_BEHIND.update(listener.messages)
        listener.close()
    (clip,) = hub_clips(hub.url, home.camera_id, home.cookies)
    clip_id = uuid.UUID(clip["id"])
    sealed = httpx.get(f"{hub.url}/v1/clips/{clip_id}/parts/clip", cookies=home.cookies).content
    assert sealed.startswith(b"DOORSTEP") and b"ftyp" not in sealed
    # Its blurred twin came with it, made on the edge's twin thread and sealed beside it.
    for part in ("twin_clip", "twin_snapshot"):
        twin = httpx.get(f"{hub.url}/v1/clips/{clip_id}/parts/{part}", cookies=home.cookies)
        assert twin.status_code == 200, (part, twin.text)
        assert twin.content.startswith(b"DOORSTEP") and b"ftyp" not in twin.content
    # The owner's client opens what the hub can't: the details and the video itself.
    with home.api(hub.url) as api:
        details = json.loads(open_clip_part(api, clip_id, "details", home.user_key).plaintext)
        video_part = open_clip_part(api, clip_id, "clip", home.user_key)
    assert details["label"] == "person" and 1.5 <= details["start_s"] <= 3.0
    assert video_part.plaintext[4:8] == b"ftyp"
    assert str(video_part.summary.header.camera_id) == str(home.camera_id)
    camera = httpx.get(f"{hub.url}/v1/cameras/{home.camera_id}", cookies=home.cookies).json()
    assert camera["health"] is not None
