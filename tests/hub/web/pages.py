"""Page-test helpers: a browser-like client on the app (own cookie jar, HTML accepted)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

ORIGIN = "http://hub.test"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@asynccontextmanager
async def web_client(
    app: FastAPI, *, base_url: str = ORIGIN, address: str = "198.51.100.20"
) -> AsyncIterator[AsyncClient]:
    """A client that keeps cookies like a browser and asks for HTML."""
    transport = ASGITransport(app=app, client=(address, 50000))
    async with AsyncClient(transport=transport, base_url=base_url, headers=HTML) as http:
        yield http


def csrf_meta(html: str) -> str:
    """The CSRF token base.html renders for a signed-in page."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert match, "the page has no csrf-token meta"
    return match[1]


def alert_text(html: str) -> str:
    """The text of the page's role="alert" box (the form's error)."""
    match = re.search(r'role="alert"[^>]*>\s*<p>(.*?)</p>', html, re.S)
    assert match, "the page shows no alert"
    return match[1]
