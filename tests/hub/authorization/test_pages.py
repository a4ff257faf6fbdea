"""Every page refuses what the page table says: signed out to sign in, wrong role 403."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from doorstep.hub.deps import SAFE_METHODS
from tests.hub.actors import PASSWORD, Actors
from tests.hub.authorization.calls import fill
from tests.hub.authorization.pages import PAGES, ROLES_WITH_PAGES, VALUES, Page
from tests.hub.authorization.table import ANONYMOUS
from tests.hub.authorization.walk import served, written
from tests.hub.authorization.world import World, seed

ORIGIN = "http://hub.test"
FORGED = {"Cookie": "doorstep_session=forged"}


class Browser:
    """A signed-in browser session of one role: its cookie and CSRF token."""

    def __init__(self, cookie: str, csrf: str) -> None:
        self.cookie = cookie
        self.csrf = csrf

    def headers(self, *, csrf: bool) -> dict[str, str]:
        headers = {"Cookie": f"doorstep_session={self.cookie}", "Origin": ORIGIN}
        return headers | ({"X-CSRF-Token": self.csrf} if csrf else {})


async def sign_in(app: FastAPI, email: str) -> Browser:
    transport = ASGITransport(app=app, client=("198.51.100.8", 50000))
    async with AsyncClient(transport=transport, base_url=ORIGIN) as http:
        response = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return Browser(response.cookies["doorstep_session"], response.json()["csrf_token"])


def page_values(world: World, role: str) -> dict[str, Any]:
    values = world.ids(role)
    return values | {page: values[api] for page, api in VALUES.items() if api in values}


async def call(
    world: World, page: Page, values: dict[str, Any], headers: dict[str, str]
) -> Response:
    path = fill(page.path, values)
    accept = {"Accept": "text/html"}
    try:
        return await world.client.request(page.method, path, headers=accept | headers)
    except Exception as crashed:  # a page that crashes is a failure to list, not the end
        return Response(500, text=f"the page crashed: {crashed!r}")


def signs_in_first(response: Response, path: str) -> bool:
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith("/sign-in?next=" + path[:1])


def is_403_page(response: Response) -> bool:
    return response.status_code == 403 and response.headers["content-type"].startswith("text/html")


async def check_signed_out(world: World) -> list[str]:
    failures = []
    for page in PAGES:
        values = page_values(world, min(page.roles))
        for headers in ({}, FORGED):
            response = await call(world, page, values, headers)
            where = f"signed out {headers} {page.method} {page.path}: {response.status_code}"
            if ANONYMOUS in page.roles:
                if response.status_code != page.status:
                    failures.append(f"{where}, table says {page.status}")
            elif not signs_in_first(response, page.path):
                failures.append(f"{where} {response.headers.get('location')}, not sent to sign in")
    return failures


async def check_signed_in(world: World, browsers: dict[str, Browser]) -> list[str]:
    failures = []
    for page in PAGES:
        unsafe = page.method not in SAFE_METHODS
        for role in ROLES_WITH_PAGES:
            browser = browsers[role]
            allowed = ANONYMOUS in page.roles or role in page.roles
            owner = role if allowed or ANONYMOUS in page.roles else sorted(page.roles)[0]
            values = page_values(world, owner)
            before = world.actors.row_counts()
            if not allowed:
                # The objects are those of a role that may open it: only the role is wrong.
                response = await call(world, page, values, browser.headers(csrf=True))
                expected = "the 403 page"
                ok = is_403_page(response)
            elif ANONYMOUS in page.roles:
                response = await call(world, page, values, browser.headers(csrf=False))
                status = page.signed_in or page.status
                expected, ok = str(status), response.status_code == status
            elif unsafe:
                response = await call(world, page, values, browser.headers(csrf=False))
                expected, ok = "403 without the CSRF token", is_403_page(response)
            else:
                response = await call(world, page, values, browser.headers(csrf=False))
                expected, ok = str(page.status), response.status_code == page.status
            where = f"{role} {page.method} {page.path}: {response.status_code}"
            if not ok:
                failures.append(f"{where}, expected {expected}: {response.text[:200]}")
            if unsafe and (changed := written(before, world.actors.row_counts())):
                failures.append(f"{where}: refused or empty, but rows changed: {changed}")
    return failures


async def test_every_page_refuses_what_the_table_says(
    app: FastAPI, client: AsyncClient, actors: Actors
) -> None:
    world = await seed(actors, client)
    browsers = {role: await sign_in(app, world.person(role).email) for role in ROLES_WITH_PAGES}
    failures = await check_signed_out(world)
    failures += await check_signed_in(world, browsers)
    assert not failures, "\n".join(failures)


async def test_pages_are_served_and_well_formed(app: FastAPI) -> None:
    routes = set(served(app))
    rows = [(page.method, page.path) for page in PAGES]
    twice = sorted({f"{method} {path}" for method, path in rows if rows.count((method, path)) > 1})
    assert not twice, f"pages with two rows in the page table: {twice}"
    for page in PAGES:
        where = f"{page.method} {page.path}"
        assert (page.method, page.path) in routes, f"{where} is in the page table, not served"
        assert page.roles == {ANONYMOUS} or ANONYMOUS not in page.roles, where
        assert page.signed_in is None or ANONYMOUS in page.roles, where
        assert 200 <= page.status < 300 or page.note, f"{where}: a non-2xx status needs a note"
        if page.path.startswith("/admin"):
            assert page.roles == {"admin"}, where
