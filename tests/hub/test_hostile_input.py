"""Hostile values in every field of every route: always a 4xx or a success, never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.hub.accounts.models import Role
from tests.hub.actors import Actors
from tests.hub.test_authorization import EXAMPLE_BODIES, api_routes, audience, body_for, fill

HOSTILE_VALUES: list[Any] = [
    None,
    "",
    "\x00",
    "name\x00with a NUL",
    "\U0001f44d" * 50,
    "é" * 101,
    "x" * 10_000,
    -1,
    0,
    2**63,
    -(2**70),
    1e308,
    True,
    [],
    {},
    {"nested": {"deeper": [1, 2, {"x": None}]}},
    "' OR 1=1 --",
    "../../etc/passwd",
]


async def test_hostile_values_never_crash_the_hub(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    resident = actors.resident()
    home_id, (camera_id,) = actors.home(resident)
    callers = {
        "resident": resident.headers,
        "admin": actors.user(Role.ADMIN).headers,
        "agency_member": actors.user(Role.AGENCY_MEMBER).headers,
    }
    ids = {"home_id": home_id, "camera_id": camera_id, "user_id": resident.user_id}
    for method, route in api_routes(app):
        example = body_for(route)
        if example is None:
            continue
        headers = callers.get(audience(route.dependant), resident.headers)
        path = fill(route.path, ids)
        for field in example:
            for value in HOSTILE_VALUES:
                body = {**example, field: value}
                response = await client.request(method, path, json=body, headers=headers)
                assert response.status_code < 500, (method, path, field, value, response.text)
    assert EXAMPLE_BODIES  # every body route was exercised through its example
