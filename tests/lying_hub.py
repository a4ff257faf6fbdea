"""A hub that lies: an ASGI wrapper that rewrites the hub's JSON responses.

The tests of every client that must not trust the hub (owner CLI, edge, agency,
``evidence verify``, ``audit watch``) put this in front of a real hub app and make it
serve what a compromised hub could: a swapped key with the real id, a rolled-back list,
a proof removed or pointing elsewhere. In process::

    lying = LyingHub(app)                      # app: doorstep.hub.app.create_app(...)
    lying.rewrite("GET", r"/v1/homes/[^/]+/member-keys", swap_member_key)
    transport = httpx.ASGITransport(app=lying)

or over TCP, for a client that takes a URL (uvicorn in a thread, on a free port)::

    with LyingHub(app).serve(lifespan=True) as (lying, url): ...

``lifespan=True`` runs the app's startup in the server's thread; pass False when the
test already runs it (``tests/hub/conftest.py``'s ``app`` fixture does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from doorstep.local_server import serve_in_thread

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Rewrite = Callable[[Any], Any]
RewriteBytes = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Rule:
    method: str
    path: re.Pattern[str]
    fn: Rewrite
    raw: bool = False  # fn takes and returns the body's bytes, whatever its type

    def matches(self, scope: Scope) -> bool:
        return scope["method"] == self.method and self.path.fullmatch(scope["path"]) is not None


@dataclass(frozen=True)
class ServedHub:
    """A lying hub served over TCP (``tests/conftest.py``'s ``served_hub``): the wrapper to
    add rewrites to, its URL, and its database, to check what reached the hub."""

    lying: LyingHub
    url: str
    database_url: str


class LyingHub:
    """Passes every request to ``app``; a JSON response to a matching request is rewritten."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rules: list[Rule] = []
        self.rewritten: list[tuple[str, str]] = []  # (method, path) of each response changed

    def rewrite(self, method: str, path: str, fn: Rewrite) -> None:
        """Rewrite responses to ``method`` on paths that ``path`` (a regex) matches whole.

        ``fn`` gets the decoded JSON body and returns the one to send; rules apply in the
        order they were added.
        """
        self.rules.append(Rule(method.upper(), re.compile(path), fn))

    def rewrite_bytes(self, method: str, path: str, fn: RewriteBytes) -> None:
        """Rewrite the raw body of any response (a static file, say), as :meth:`rewrite` does."""
        self.rules.append(Rule(method.upper(), re.compile(path), fn, raw=True))

    def reset(self) -> None:
        """Tell the truth again."""
        self.rules.clear()
        self.rewritten.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rules = [rule for rule in self.rules if scope["type"] == "http" and rule.matches(scope)]
        if not rules:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            content = bytes(body)
            json_body = (b"content-type", b"application/json") in headers
            changed = False
            for rule in rules:
                if rule.raw:
                    content = rule.fn(content)
                elif json_body and content:
                    content = json.dumps(rule.fn(json.loads(content))).encode()
                else:
                    continue
                changed = True
            if changed:
                self.rewritten.append((scope["method"], scope["path"]))
            headers.append((b"content-length", str(len(content)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, hold)

    @contextmanager
    def serve(self, *, lifespan: bool) -> Iterator[tuple[LyingHub, str]]:
        """Serve this hub on 127.0.0.1 at a free port, in a thread; yields it and its URL."""
        with serve_in_thread(
            self, lifespan="on" if lifespan else "off", name="the lying hub"
        ) as url:
            yield self, url
