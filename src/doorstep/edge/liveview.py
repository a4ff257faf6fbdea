"""Live view and triggers for the home network: each camera as MJPEG, behind a token.

``POST /cameras/<id>/trigger?label=doorbell`` (same token) records an event now, with the
camera's pre- and post-roll: for doorbells and sensors on the home network.

Frames are JPEG-encoded only while someone watches, at most ``fps`` per second and
``width`` pixels wide, with privacy zones already blacked out by the pipeline. The
token comes in ``Authorization: Bearer`` or, for a plain ``<img>`` tag, ``?token=``.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

BOUNDARY = "doorstep-frame"


@dataclass
class _Latest:
    sequence: int = 0
    jpeg: bytes = b""
    viewers: int = 0
    last_sent: float = 0.0


class LiveFrames:
    """The newest JPEG per camera, handed from pipeline threads to viewers."""

    def __init__(self, camera_ids: list[uuid.UUID], *, fps: float, width: int = 640) -> None:
        self._cameras = {camera_id: _Latest() for camera_id in camera_ids}
        self._lock = threading.Lock()
        self.interval = 1.0 / fps
        self.width = width

    def wanted(self, camera_id: uuid.UUID) -> bool:
        """Whether a viewer waits and the next frame is due (saves encoding otherwise)."""
        latest = self._cameras.get(camera_id)
        if latest is None or latest.viewers == 0:
            return False
        return time.monotonic() - latest.last_sent >= self.interval

    def viewers(self, camera_id: uuid.UUID) -> int:
        return self._cameras[camera_id].viewers

    def publish(self, camera_id: uuid.UUID, jpeg: bytes) -> None:
        with self._lock:
            latest = self._cameras[camera_id]
            latest.sequence += 1
            latest.jpeg = jpeg
            latest.last_sent = time.monotonic()

    async def stream(self, camera_id: uuid.UUID) -> AsyncIterator[bytes]:
        latest = self._cameras[camera_id]
        with self._lock:
            latest.viewers += 1
        try:
            seen = -1
            while True:
                with self._lock:  # the sequence and the bytes of one and the same frame
                    sequence, jpeg = latest.sequence, latest.jpeg
                if sequence != seen and jpeg:
                    seen = sequence
                    yield (
                        (
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                            f"Content-Length: {len(jpeg)}\r\n\r\n"
                        ).encode()
                        + jpeg
                        + b"\r\n"
                    )
                await asyncio.sleep(self.interval / 2)
        finally:
            with self._lock:
                latest.viewers -= 1


TriggerCallback = Callable[[uuid.UUID, str], None]


def live_app(
    frames: LiveFrames,
    *,
    token: str,
    names: dict[uuid.UUID, str],
    on_trigger: TriggerCallback | None = None,
) -> Starlette:
    def authorized(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        sent = header.removeprefix("Bearer ").strip() or request.query_params.get("token", "")
        return hmac.compare_digest(sent.encode(), token.encode())

    def camera_id(request: Request) -> uuid.UUID | None:
        try:
            value = uuid.UUID(request.path_params["camera_id"])
        except ValueError:
            return None
        return value if value in names else None

    async def index(request: Request) -> Response:
        if not authorized(request):
            return _refused()
        return JSONResponse(
            {"cameras": [{"id": str(key), "name": name} for key, name in names.items()]}
        )

    async def mjpeg(request: Request) -> Response:
        if not authorized(request):
            return _refused()
        key = camera_id(request)
        if key is None:
            return JSONResponse({"error": "not_found", "detail": "no such camera"}, 404)
        return StreamingResponse(
            frames.stream(key),
            media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
            headers={"Cache-Control": "no-store"},
        )

    async def page(request: Request) -> Response:
        if not authorized(request):
            return _refused()
        key = camera_id(request)
        if key is None:
            return JSONResponse({"error": "not_found", "detail": "no such camera"}, 404)
        name = html.escape(names[key])
        token_query = html.escape(request.query_params.get("token", ""))
        return HTMLResponse(
            f"<!doctype html><title>{name}</title>"
            f'<img alt="{name}" style="max-width:100%" '
            f'src="/cameras/{key}/mjpeg?token={token_query}">',
            headers={
                "Content-Security-Policy": "default-src 'self'",
                "Referrer-Policy": "no-referrer",
            },
        )

    async def trigger(request: Request) -> Response:
        """A doorbell or sensor on the home network: an event now, with pre- and post-roll."""
        if not authorized(request):
            return _refused()
        key = camera_id(request)
        if key is None or on_trigger is None:
            return JSONResponse({"error": "not_found", "detail": "no such camera"}, 404)
        label = request.query_params.get("label", "trigger")
        if not label.isidentifier() or len(label) > 32:
            return JSONResponse(
                {"error": "invalid_input", "detail": "label: letters, digits and _ only, ≤ 32"},
                422,
            )
        on_trigger(key, label)
        return JSONResponse({"camera_id": str(key), "label": label}, 202)

    return Starlette(
        routes=[
            Route("/cameras/{camera_id}/trigger", trigger, methods=["POST"]),
            Route("/cameras", index),
            Route("/cameras/{camera_id}/mjpeg", mjpeg),
            Route("/cameras/{camera_id}", page),
        ]
    )


def _refused() -> Response:
    return JSONResponse(
        {"error": "authentication_failed", "detail": "send the live-view token"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )
