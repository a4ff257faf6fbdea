"""Live MJPEG for the home network, only with the token."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from doorstep.edge.liveview import BOUNDARY, LiveFrames, live_app
from doorstep.local_server import serve_in_thread

TOKEN = "live-view-token-for-tests"
CAMERA = uuid.uuid4()


@pytest.fixture
def live() -> Iterator[tuple[str, LiveFrames]]:
    frames = LiveFrames([CAMERA], fps=20)
    app = live_app(frames, token=TOKEN, names={CAMERA: "Front <door>"})
    with serve_in_thread(app, name="the live view") as url:
        yield url, frames


def test_without_the_token_nothing_is_shown(live: tuple[str, LiveFrames]) -> None:
    url, _ = live
    for path in ("/cameras", f"/cameras/{CAMERA}", f"/cameras/{CAMERA}/mjpeg"):
        assert httpx.get(url + path).status_code == 401
        assert httpx.get(url + path, params={"token": "wrong"}).status_code == 401
    listing = httpx.get(url + "/cameras", headers={"Authorization": f"Bearer {TOKEN}"})
    assert listing.json() == {"cameras": [{"id": str(CAMERA), "name": "Front <door>"}]}
    page = httpx.get(url + f"/cameras/{CAMERA}", params={"token": TOKEN})
    assert "Front &lt;door&gt;" in page.text
    assert httpx.get(url + f"/cameras/{uuid.uuid4()}", params={"token": TOKEN}).status_code == 404


def test_frames_stream_only_while_watched(live: tuple[str, LiveFrames]) -> None:
    url, frames = live
    assert not frames.wanted(CAMERA)
    received: list[bytes] = []
    with httpx.stream(
        "GET", url + f"/cameras/{CAMERA}/mjpeg", params={"token": TOKEN}, timeout=10
    ) as response:
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        deadline = time.monotonic() + 5
        while not frames.wanted(CAMERA):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for n in range(3):
            frames.publish(CAMERA, b"\xff\xd8frame-%d\xff\xd9" % n)
            time.sleep(0.15)
        buffer = b""
        for chunk in response.iter_bytes():
            buffer += chunk
            received = [
                part for part in buffer.split(f"--{BOUNDARY}".encode()) if b"\xff\xd8" in part
            ]
            if len(received) >= 2:
                break
    assert all(b"Content-Type: image/jpeg" in part for part in received)
    deadline = time.monotonic() + 5
    while frames.viewers(CAMERA):
        assert time.monotonic() < deadline, "the viewer was not released"
        time.sleep(0.05)


async def test_triggers_need_the_token_and_a_plain_label() -> None:
    pressed: list[tuple[uuid.UUID, str]] = []

    def on_trigger(camera_id: uuid.UUID, label: str) -> None:
        pressed.append((camera_id, label))

    app = live_app(
        LiveFrames([CAMERA], fps=5), token=TOKEN, names={CAMERA: "Door"}, on_trigger=on_trigger
    )
    path = f"/cameras/{CAMERA}/trigger"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://edge"
    ) as client:
        assert (await client.post(path, params={"label": "doorbell"})).status_code == 401
        bad = await client.post(path, params={"label": "door bell!", "token": TOKEN})
        assert bad.status_code == 422
        unknown = await client.post(f"/cameras/{uuid.uuid4()}/trigger", params={"token": TOKEN})
        assert unknown.status_code == 404
        ok = await client.post(
            path, params={"label": "doorbell"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert ok.status_code == 202
    assert pressed == [(CAMERA, "doorbell")]
