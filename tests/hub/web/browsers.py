"""A signed-in browser for page tests: its own cookie jar, HTML accepted, and the CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from tests.hub.actors import PASSWORD, Actor

BASE_URL = "http://hub.test"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@dataclass
class Browser:
    http: AsyncClient
    csrf: str

    async def get(self, path: str) -> Response:
        return await self.http.get(path, headers=HTML)

    async def post_form(
        self, path: str, data: dict[str, str | list[str]], *, htmx: bool = False
    ) -> Response:
        """A form post with the session's CSRF token, as a plain form or as htmx sends it."""
        headers = dict(HTML)
        if htmx:
            headers |= {"HX-Request": "true", "X-CSRF-Token": self.csrf}
        else:
            data = {**data, "csrf_token": self.csrf}
        return await self.http.post(path, data=data, headers=headers)


@asynccontextmanager
async def browser(app: FastAPI, actor: Actor | None = None) -> AsyncIterator[Browser]:
    """A browser signed in as ``actor`` through the sign-in API (signed out without one)."""
    transport = ASGITransport(app=app, client=("198.51.100.8", 50001))
    async with AsyncClient(transport=transport, base_url=BASE_URL) as http:
        csrf = ""
        if actor is not None:
            response = await http.post(
                "/v1/auth/login", json={"email": actor.email, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            csrf = response.json()["csrf_token"]
        yield Browser(http, csrf)
