"""ASGI middleware: request body size limit and security headers."""

from __future__ import annotations

import json
import re

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.hub.deps import SESSION_COOKIE
from doorstep.hub.web.csp import HSTS, page_csp


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413 before any route sees them.

    The body is read fully (it is at most ``max_bytes``) and replayed to the app, so a
    chunked upload without Content-Length is held to the same limit.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, streaming_paths: re.Pattern[str] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Routes that stream their body into storage and enforce their own limit.
        self.streaming_paths = streaming_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        streaming = self.streaming_paths is not None and self.streaming_paths.match(
            scope.get("path", "")
        )
        if scope["type"] != "http" or streaming:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "body_too_large",
                "detail": f"request body exceeds the limit of {self.max_bytes} bytes "
                "(DOORSTEP_MAX_BODY_BYTES)",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Headers every response carries; pages get a strict Content-Security-Policy.

    A ``text/html`` response without a policy of its own gets ``page_csp()`` (web/csp.py);
    a response served over HTTPS also gets Strict-Transport-Security. A response to a
    request carrying the session cookie (a signed-in page, or the API answering the page's
    script) gets ``Cache-Control: no-store`` unless it says otherwise, so private pages are
    never kept in a browser's or a proxy's cache after signing out. Static files are exempt.
    """

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        private = SESSION_COOKIE in HTTPConnection(scope).cookies and not scope.get(
            "path", ""
        ).startswith("/static/")

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + self.HEADERS
                names = {name.lower() for name, _ in headers}
                content_type = dict(headers).get(b"content-type", b"")
                if (
                    content_type.startswith(b"text/html")
                    and b"content-security-policy" not in names
                ):
                    headers.append((b"content-security-policy", page_csp(https=https).encode()))
                if https:
                    headers.append((b"strict-transport-security", HSTS.encode()))
                if private and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
