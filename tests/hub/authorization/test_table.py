"""The app serves exactly the table's routes, and the table is consistent with itself."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from httpx import AsyncClient

from doorstep.hub.app import PUBLIC_ROUTES
from tests.hub.authorization.calls import example
from tests.hub.authorization.pages import PAGES
from tests.hub.authorization.table import (
    ANONYMOUS,
    BAD_CREDENTIALS,
    OWN_HOME,
    PUBLIC,
    ROLES,
    ROUTES,
    SCOPES,
    TENANT_SCOPES,
    anonymous_routes,
)
from tests.hub.authorization.walk import send, served

# Pages the framework serves beside the routers (PUBLIC_ROUTES lists the routers' only).
FRAMEWORK_PAGES = {
    ("GET", "/openapi.json"),
    ("HEAD", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/assets"),
    ("GET", "/static"),
}
BAD_HEADERS = (
    {"Authorization": "Bearer dst_not-a-real-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Cookie": "doorstep_session=forged"},
)


async def test_every_route_served_has_a_row_and_every_row_a_route(app: FastAPI) -> None:
    routes = list(served(app))
    assert len(routes) == len(set(routes)), "a route is served twice"
    table = {(row.method, row.path) for row in ROUTES} | {(p.method, p.path) for p in PAGES}
    missing = [f"{method} {path}" for method, path in routes if (method, path) not in table]
    assert not missing, f"served but not in the authorization table: {missing}"
    stale = sorted(f"{m} {p}" for m, p in table - set(routes))
    assert not stale, f"in the authorization table but not served: {stale}"


def test_rows_are_well_formed() -> None:
    assert len({(row.method, row.path) for row in ROUTES}) == len(ROUTES)
    for row in ROUTES:
        where = f"{row.method} {row.path}"
        assert row.roles and row.roles <= set(ROLES), where
        assert row.scope in SCOPES, where
        assert 200 <= row.status < 300 or row.note, f"{where}: a 4xx success needs its note"
        if ANONYMOUS in row.roles:
            assert row.roles == {ANONYMOUS} and row.scope == PUBLIC, where
        if row.scope in TENANT_SCOPES:
            assert ANONYMOUS not in row.roles, where
        # Every home route says what a household member who isn't the owner gets.
        assert (row.member is not None) == (row.scope == OWN_HOME), where
        if "/admin/" in row.path:
            assert row.roles == {"admin"}, where


def test_public_routes_are_the_tables_anonymous_rows() -> None:
    assert anonymous_routes() - FRAMEWORK_PAGES == PUBLIC_ROUTES


async def test_the_api_reference_is_public(client: AsyncClient) -> None:
    for path in ("/docs", "/openapi.json", "/docs/assets/swagger-ui-bundle.js"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.head("/openapi.json")).status_code == 200


async def test_bad_credentials_get_401_everywhere_but_public_routes(client: AsyncClient) -> None:
    values = {"part": "clip", "size": 1, "index": 0, "old_size": 1, "new_size": 1, "start": 0}
    failures = []
    for row in ROUTES:
        if ANONYMOUS in row.roles:
            continue
        call = example(row.method, row.path, values | _random_ids(row.path))
        for headers in BAD_HEADERS:
            response = await send(client, row.method, call, headers)
            if response.status_code != BAD_CREDENTIALS:
                failures.append(f"{row.method} {row.path} {headers}: {response.status_code}")
    assert not failures, "\n".join(failures)


def _random_ids(path: str) -> dict[str, str]:
    """Unknown ids: 32 hex digits read as a UUID and as a key id alike."""
    return {name: uuid.uuid4().hex for name in re.findall(r"\{(\w+_id)\}", path)}
