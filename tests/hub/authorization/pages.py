"""The page table: who may open each web page (hub/web/pages), hand-written like table.py.

Pages answer browsers, so refusals differ from the API's: a signed-out browser asking
for a signed-in page is sent to ``/sign-in?next=<path>`` (303), and a person of another
role gets the 403 page. ``test_pages.py`` holds the app to this table, and
``test_table.py`` fails on a page route that has no row here.

``status`` is what an allowed caller gets with a GET on its own objects (the walker's ids,
``world.ids(role)`` plus ``VALUES``), or, for an unsafe method, what a signed-out caller
of an ``ANYONE`` row gets with an empty form. ``signed_in`` is what a signed-in person
gets on an ``ANYONE`` row when it differs (a signed-in person's unsafe calls go without
the CSRF token; on a signed-in page that is refused 403, which the test checks too).
A page's successful unsafe calls are tested next to the page (tests/hub/web/).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.hub.authorization.table import ADMIN, AGENCY, ANONYMOUS, PEOPLE, RESIDENT

ANYONE = frozenset({ANONYMOUS})


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    roles: frozenset[str]  # ANYONE, or the people roles that may open it
    status: int = 200
    signed_in: int | None = None  # ANYONE rows: a signed-in person's status, if different
    note: str = ""


def _p(
    method: str,
    path: str,
    roles: frozenset[str] | str,
    status: int = 200,
    note: str = "",
    *,
    signed_in: int | None = None,
) -> Page:
    who = frozenset({roles}) if isinstance(roles, str) else roles
    return Page(method, path, who, status, signed_in, note)


# Page path parameters that are the API's ids under another name.
VALUES: dict[str, str] = {"entry_id": "delivery_id"}

PAGES: tuple[Page, ...] = (
    # Front page and signing in (FOUNDATION).
    _p("GET", "/", ANYONE, signed_in=303, note="a signed-in person goes to their role's home"),
    _p("GET", "/sign-in", ANYONE, signed_in=303, note="already signed in: to the role's home"),
    _p("POST", "/sign-in", ANYONE, 422, "the walker sends an empty form", signed_in=422),
    _p("GET", "/sign-up", ANYONE, signed_in=303, note="already signed in: to the role's home"),
    _p("POST", "/sign-up", ANYONE, 422, "the walker sends an empty form", signed_in=422),
    _p("POST", "/sign-out", ANYONE, 303, "to /; signed in it needs the CSRF token", signed_in=403),
)

ROLES_WITH_PAGES = (RESIDENT, AGENCY, ADMIN)
assert set(ROLES_WITH_PAGES) == PEOPLE
