"""Walking the app: every (method, path) it serves, and sending one call as one role."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import AsyncClient, Response
from starlette.routing import Mount, Route

from tests.hub.authorization.calls import Call
from tests.hub.authorization.examples import QUERIES


def served(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app answers, schema or not; a mount is ("GET", prefix)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            yield "GET", str(context.path)
        elif isinstance(route, APIRoute | Route):
            for method in sorted(context.methods or ()):
                yield method, str(context.path)
        else:
            raise AssertionError(f"the walker can't read {type(route).__name__} {context.path}")


def id_parameters(method: str, path: str) -> list[str]:
    """The route's path and query parameters that name an object (``..._id``)."""
    names = re.findall(r"\{(\w+)\}", path) + list(QUERIES.get((method, path), ()))
    return [name for name in names if name.endswith("_id")]


async def send(client: AsyncClient, method: str, call: Call, headers: dict[str, str]) -> Response:
    response = await client.request(
        method,
        call.path,
        json=call.json,
        content=call.content,
        params=call.params,
        headers=headers if call.headers is None else call.headers,
    )
    assert response.status_code < 500, f"{method} {call.path}: {response.text}"
    return response


def refusal(response: Response) -> str:
    """The error body's ``error`` (every refusal has the hub's error shape)."""
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return str(body["error"])


# Written by the hub's own periodic task (a checkpoint every 10 s), never by a call.
BACKGROUND_TABLES = frozenset({"audit_checkpoints"})


def written(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Tables whose row count a call changed: (before, after)."""
    return {
        name: (before[name], after[name])
        for name in after
        if after[name] != before[name] and name not in BACKGROUND_TABLES
    }
