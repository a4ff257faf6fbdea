"""Every route of the app, enumerated, against every kind of caller.

Routes added later are covered automatically: each route's audience is read off its
dependencies, and a route with a body needs an example body below, or this fails.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.hub.accounts.models import Role
from doorstep.hub.app import PUBLIC_ROUTES, ROUTERS
from doorstep.hub.deps import RoleGuard, get_current_device, get_current_user, get_principal
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.state import HubState
from tests.hub.actors import JURISDICTION, Actors
from tests.hub.clips.uploads import upload_clip

# Framework pages that are public by design (OpenAPI and its viewers).
DOC_PATHS = {"/docs", "/docs/assets/swagger-ui-bundle.js", "/openapi.json"}

# A 401 that asks the caller to sign in, as opposed to one for wrong credentials.
NO_CREDENTIALS = -401

PUBLIC_KEY = base64.b64encode(bytes(range(32))).decode()
WRAPPED_KEY = base64.b64encode(b"\x01" + bytes(80)).decode()

EXAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "UserRegister": {"email": "new@doorstep.example", "password": "x" * 16, "display_name": "N"},
    "SignIn": {"email": "nobody@doorstep.example", "password": "x" * 16},
    "PasswordChange": {"current_password": "wrong" * 4, "new_password": "y" * 16},
    "TokenCreate": {"name": "laptop"},
    "HomeCreate": {"name": "Home"},
    "HomeUpdate": {"name": "Renamed"},
    "MemberAdd": {"email": "someone@doorstep.example"},
    "CameraCreate": {"name": "Door", "latitude": 45.5, "longitude": -122.6},
    "CameraUpdate": {"name": "Renamed"},
    "DevicePair": {"code": "AAAAA-AAAAA", "name": "edge", "public_key": "A" * 43 + "="},
    "AgencyCreate": {
        "name": "Agency",
        "kind": "fire",
        "contact_email": "a@agency.example",
        "jurisdiction": JURISDICTION,
    },
    "AgencyMemberCreate": {"email": "m@agency.example", "display_name": "M"},
    "CameraHealthReport": {"connected": True, "fps": 15, "last_frame_at": None, "errors": 0},
    "ClipCommit": {
        "id": "6f1c1c1e-0000-4000-8000-000000000001",
        "camera_id": "6f1c1c1e-0000-4000-8000-000000000002",
        "started_at": "2026-11-24T10:00:00Z",
        "ended_at": "2026-11-24T10:00:10Z",
        "parts": {"clip": {"size": 1, "sha256": "0" * 64}},
        "keys": [{"recipient_key_id": "a" * 32, "wrapped_key": WRAPPED_KEY}],
    },
    "UserKeySet": {
        "public_key": PUBLIC_KEY,
        "private_key_box": base64.b64encode(bytes(89)).decode(),
    },
    "HomeKeyRotate": {"public_key": PUBLIC_KEY, "grants": []},
    "HomeKeyGrantSet": {"wrapped_key": WRAPPED_KEY},
    "ClipShare": {"recipient_key_id": "a" * 32, "wrapped_key": WRAPPED_KEY},
    "AgencyKeyPut": {"public_key": PUBLIC_KEY},
    "AgencySuspend": {"reason": "Requests aimed at a protest."},
    "RequestCreate": {
        "investigation_code": "CASE-1",
        "category": "burglary",
        "details": "Burglary",
        "location": {"circle": {"latitude": 45.5, "longitude": -122.6, "radius_m": 100}},
        "window_start": "2026-11-24T09:00:00Z",
        "window_end": "2026-11-24T10:00:00Z",
        "attests_purpose": True,
    },
    "RequestSettingsBody": {"receive": False},
    "ShareCreate": {
        "clips": [
            {
                "clip_id": "6f1c1c1e-0000-4000-8000-000000000001",
                "wrapped_key": WRAPPED_KEY,
                "attestations": {},
            }
        ]
    },
    "ExtensionAnswer": {"grant": True},
    "ExtensionAsk": {"until": "2027-12-01T00:00:00Z", "reason": "Trial date moved."},
    "FlagCreate": {"reason": "This request targets a protest march."},
    "FlagReview": {"withdraw": False, "note": "Within the rules."},
    "DemandCreate": {
        "authority": "Court",
        "kind": "warrant",
        "reference": "R-1",
        "document_sha256": "ab" * 32,
        "home_id": "6f1c1c1e-0000-4000-8000-000000000003",
        "window_start": "2026-11-24T10:00:00Z",
        "window_end": "2026-11-24T11:00:00Z",
    },
}


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every (method, route) the app serves, checked against its OpenAPI document."""
    routes = [
        (method, route)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert documented == {(method, route.path) for method, route in routes}
    return routes


def audience(dependant: Dependant) -> str:
    """'public', 'device', 'user' (any signed-in person) or a role name."""
    found: set[str] = set()

    def walk(node: Dependant) -> None:
        if isinstance(node.call, RoleGuard):
            found.add(node.call.role.value)
        elif node.call is get_current_device:
            found.add("device")
        elif node.call is get_current_user:
            found.add("user")
        elif node.call is get_principal:
            found.add("principal")
        for child in node.dependencies:
            walk(child)

    walk(dependant)
    for kind in ("resident", "agency_member", "admin", "device", "user", "principal"):
        if kind in found:
            return kind
    return "public"


def body_for(route: APIRoute) -> dict[str, Any] | None:
    if route.body_field is None:
        return None
    name = route.body_field.field_info.annotation.__name__  # type: ignore[union-attr]
    assert name in EXAMPLE_BODIES, f"add an example body for {name} ({route.path})"
    return EXAMPLE_BODIES[name]


# Path parameters that aren't ids, with a valid value.
PATH_VALUES = {
    "part": "clip",
    "home_key_id": "a" * 32,
    "user_key_id": "b" * 32,
    "recipient_key_id": "c" * 32,
}


def fill(path: str, ids: dict[str, uuid.UUID]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        return str(ids.get(name) or PATH_VALUES.get(name) or uuid.uuid4())

    return re.sub(r"\{(\w+)\}", value, path)


async def call(
    client: AsyncClient, method: str, route: APIRoute, path: str, headers: dict[str, str]
) -> int:
    response = await client.request(method, path, json=body_for(route), headers=headers)
    assert response.status_code < 500, f"{method} {path}: {response.text}"
    if response.status_code < 400:
        return response.status_code  # JSON, or a page or CSV for public reports
    body = response.json()
    assert set(body) == {"error", "detail"}, f"{method} {path}: {body}"
    if response.status_code == 401 and body["detail"].startswith("sign in first"):
        return NO_CREDENTIALS
    return response.status_code


async def test_public_list_matches_routes_without_credentials(app: FastAPI) -> None:
    public = {(m, r.path) for m, r in api_routes(app) if audience(r.dependant) == "public"}
    assert public == PUBLIC_ROUTES
    admin_paths = {r.path for _, r in api_routes(app) if audience(r.dependant) == "admin"}
    assert admin_paths and all(path.startswith("/v1/admin/") for path in admin_paths)
    assert all(audience(r.dependant) == "admin" for _, r in api_routes(app) if "/admin/" in r.path)


async def test_unauthenticated_calls_get_401_except_public_routes(
    app: FastAPI, client: AsyncClient
) -> None:
    for method, route in api_routes(app):
        status = await call(client, method, route, fill(route.path, {}), headers={})
        if (method, route.path) in PUBLIC_ROUTES:
            assert status != NO_CREDENTIALS, f"{method} {route.path} is public but asks to sign in"
        else:
            assert status == NO_CREDENTIALS, f"{method} {route.path}: {status} without credentials"
    for path in DOC_PATHS:
        assert (await client.get(path)).status_code == 200


async def test_bad_credentials_get_401(app: FastAPI, client: AsyncClient) -> None:
    for headers in (
        {"Authorization": "Bearer dst_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Cookie": "doorstep_session=forged"},
    ):
        for method, route in api_routes(app):
            if (method, route.path) in PUBLIC_ROUTES:
                continue
            status = await call(client, method, route, fill(route.path, {}), headers)
            assert status == 401, f"{method} {route.path} with {headers}: {status}"


async def test_each_role_reaches_only_its_own_routes(
    app: FastAPI, client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    resident = actors.resident()
    home_id, _ = actors.home(resident)
    callers = {
        "resident": resident,
        "agency_member": actors.user(Role.AGENCY_MEMBER),
        "admin": actors.user(Role.ADMIN),
    }
    device_headers = actors.device(resident, home_id)
    for method, route in api_routes(app):
        kind = audience(route.dependant)
        if kind == "public":
            continue
        path = fill(route.path, {})
        for name, actor in callers.items():
            status = await call(client, method, route, path, actor.headers)
            if kind in {"resident", "agency_member", "admin", "device"} and kind != name:
                assert status == 403, f"{name} {method} {route.path}: {status}, expected 403"
            else:
                assert status != 403, f"{name} {method} {route.path}: refused"
        status = await call(client, method, route, path, device_headers)
        if kind == "device":
            assert status != 403, f"device {method} {route.path}: refused"
        elif kind != "principal":
            assert status == 403, f"device {method} {route.path}: {status}, expected 403"


async def test_residents_cannot_see_or_change_other_homes(
    app: FastAPI, client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, stranger = actors.resident(), actors.resident()
    home_id, camera_ids = actors.home(owner, cameras=2)
    clip_id = await upload_clip(client, actors.device(owner, home_id), camera_ids[0])
    with hub.sessions() as session:
        device_id = session.scalar(select(EdgeDevice.id).where(EdgeDevice.home_id == home_id))
    ids = {
        "home_id": home_id,
        "camera_id": camera_ids[0],
        "device_id": device_id,
        "user_id": owner.user_id,
        "clip_id": clip_id,
    }
    before = actors.row_counts()
    checked = 0
    for method, route in api_routes(app):
        if audience(route.dependant) != "resident" or not set(ids) & set(
            re.findall(r"\{(\w+)\}", route.path)
        ):
            continue
        status = await call(client, method, route, fill(route.path, ids), stranger.headers)
        assert status == 404, f"{method} {route.path} by a stranger answered {status}"
        checked += 1
    assert checked >= 10
    assert actors.row_counts() == before
    listed = await client.get("/v1/cameras", headers=stranger.headers)
    assert listed.json() == {"data": [], "count": 0}
