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
    # The clip page (PLAYER): a member of the clip's home, as GET /v1/clips/{id}/keys.
    _p("GET", "/clips/{clip_id}", RESIDENT),
    # A camera's timeline (TIMELINE): a member of the camera's home, as its /v1 timeline.
    _p("GET", "/cameras/{camera_id}", RESIDENT),
    # The key pages (OWNERCRYPTO): everything with keys happens in the browser; the
    # pages only render (no unsafe route).
    _p("GET", "/keys/setup", RESIDENT),
    _p("GET", "/keys/passphrase", RESIDENT),
    _p("GET", "/keys", RESIDENT),
    _p("GET", "/pair", RESIDENT),
    # A resident's pages (RESIDENT): homes, a home's settings (its owner), the inbox,
    # receipts and who holds their footage. Another home's ids are 404 (tests/hub/web).
    _p("GET", "/home", RESIDENT),
    _p("GET", "/homes/{home_id}/settings", RESIDENT),
    _p("POST", "/homes/{home_id}/settings/retention", RESIDENT),
    _p("POST", "/homes/{home_id}/settings/audio", RESIDENT),
    _p("POST", "/homes/{home_id}/settings/requests", RESIDENT),
    _p("GET", "/homes/new", RESIDENT),
    _p("POST", "/homes/new", RESIDENT),
    _p("POST", "/homes/{home_id}/settings/cameras", RESIDENT),
    _p("GET", "/homes/{home_id}/settings/cameras/{camera_id}/remove", RESIDENT),
    _p("POST", "/homes/{home_id}/settings/cameras/{camera_id}/remove", RESIDENT),
    # Its script removes the member and rotates the home key through /v1 (the owner's key).
    _p("GET", "/homes/{home_id}/settings/members/{user_id}/remove", RESIDENT),
    _p("GET", "/inbox", RESIDENT),
    _p("GET", "/inbox/{entry_id}", RESIDENT),
    _p("POST", "/inbox/{entry_id}/decline", RESIDENT),
    _p("GET", "/receipts", RESIDENT),
    _p("GET", "/receipts/{share_id}/receipt.json", RESIDENT),
    _p("GET", "/holdings", RESIDENT),
    _p("GET", "/holdings/{share_id}/withdraw", RESIDENT),
    _p("POST", "/holdings/{share_id}/withdraw", RESIDENT),
    _p("POST", "/holdings/{share_id}/extension", RESIDENT),
    # An agency's pages (AGENCYADMIN): its requests, the composer, shares, members.
    _p("GET", "/agency", AGENCY),
    _p("GET", "/agency/requests/new", AGENCY),
    _p("POST", "/agency/requests/new", AGENCY),
    _p("POST", "/agency/requests/check", AGENCY),
    _p("GET", "/agency/requests/{request_id}", AGENCY),
    _p("POST", "/agency/requests/{request_id}/withdraw", AGENCY),
    _p("GET", "/agency/shares", AGENCY),
    _p("GET", "/agency/members", AGENCY),
    # An admin's pages (AGENCYADMIN).
    _p("GET", "/admin", ADMIN),
    _p("GET", "/admin/agencies", ADMIN),
    _p("POST", "/admin/agencies", ADMIN),
    _p("POST", "/admin/agencies/{agency_id}/verify", ADMIN),
    _p("POST", "/admin/agencies/{agency_id}/suspend", ADMIN),
    _p("POST", "/admin/agencies/{agency_id}/reinstate", ADMIN),
    _p("POST", "/admin/agencies/{agency_id}/members", ADMIN),
    _p("GET", "/admin/flags", ADMIN),
    _p("POST", "/admin/flags/{flag_id}/review", ADMIN),
    _p("GET", "/admin/demands", ADMIN),
    _p("POST", "/admin/demands", ADMIN),
    _p("GET", "/admin/users", ADMIN),
    _p("POST", "/admin/users/{user_id}/unlock", ADMIN),
    # Public records, no sign-in (AGENCYADMIN).
    _p("GET", "/requests", ANYONE),
    _p("GET", "/agencies", ANYONE),
    _p("GET", "/audit", ANYONE),
)

ROLES_WITH_PAGES = (RESIDENT, AGENCY, ADMIN)
assert set(ROLES_WITH_PAGES) == PEOPLE
