"""The authorization table: who may call each route the hub serves, and on whose objects.

Hand-written from docs/api.md, docs/requests.md, docs/demands.md, docs/audit.md and
DESIGN.md — what each route is meant to do, never read off the code's dependencies.
The walker (test_table.py, test_roles.py, test_tenants.py here) holds the app to it: a
route missing here, or a row with no route, fails; every role in ``roles`` succeeds on
its own objects; every other role is refused (``REFUSED``); a caller of an allowed role
gets 404 for another tenant's ids.

``status`` is what an allowed caller gets on its own objects with the walker's example
request (tests/hub/authorization/calls.py): a 2xx, or the documented 4xx named in ``note``.
``member`` is what a household member who isn't the owner gets on the owner's objects
("changes: owner" in docs/api.md); ``other_tenant`` names the ids for which another
tenant's id answers something documented other than 404.
"""

from __future__ import annotations

from dataclasses import dataclass

ANONYMOUS = "anonymous"
RESIDENT = "resident"
AGENCY = "agency_member"
ADMIN = "admin"
DEVICE = "device"

ROLES = (ANONYMOUS, RESIDENT, AGENCY, ADMIN, DEVICE)
PEOPLE = frozenset({RESIDENT, AGENCY, ADMIN})

# What a caller outside ``roles`` gets (docs/api.md, Errors): 401 without credentials or
# with wrong ones, 403 when signed in with a role the route isn't for.
REFUSED = {ANONYMOUS: 401, RESIDENT: 403, AGENCY: 403, ADMIN: 403, DEVICE: 403}
BAD_CREDENTIALS = 401

# Whose objects a route may touch.
PUBLIC = "public"  # nobody's, or published to everyone
OWN_USER = "own_user"  # the caller's own account (tokens, key, notifications)
OWN_HOME = "own_home"  # homes the caller belongs to, and their cameras, devices, clips, inbox
OWN_AGENCY = "own_agency"  # the caller's agency, its requests and the shares it received
OWN_DEVICE_HOME = "own_device_home"  # the calling edge device's home and its cameras
ALL = "all"  # an administrator's reach: every user, agency, flag and demand
SCOPES = (PUBLIC, OWN_USER, OWN_HOME, OWN_AGENCY, OWN_DEVICE_HOME, ALL)
# Scopes in which another tenant's id answers 404 (docs/api.md: "not one the caller may know of").
TENANT_SCOPES = frozenset({OWN_USER, OWN_HOME, OWN_AGENCY, OWN_DEVICE_HOME})


@dataclass(frozen=True)
class Route:
    method: str  # "GET", "POST", ...; a mount is "GET"
    path: str  # FastAPI path template, e.g. "/v1/homes/{home_id}"; a mount's prefix
    roles: frozenset[str]  # who may call it; ANONYMOUS = anyone, signed in or not
    scope: str  # whose objects it may touch (SCOPES)
    status: int = 200  # what an allowed caller gets with the walker's example request
    note: str = ""
    # An id parameter for which another tenant's id answers something documented other
    # than 404 (explained in ``note``); nothing is written either way.
    other_tenant: tuple[tuple[str, int], ...] = ()
    # For a home's routes: what a household member who isn't the owner gets with the
    # example request on the owner's objects. 403: a change only the owner may make
    # ("changes: owner"); 404: the owner's own inbox entries and shares, not the member's
    # to know of; 200: a read every member may make (an owner's-only list reads empty).
    member: int | None = None


def _r(
    method: str,
    path: str,
    roles: frozenset[str] | str,
    scope: str,
    status: int = 200,
    note: str = "",
    *,
    member: int | None = None,
) -> Route:
    who = frozenset({roles}) if isinstance(roles, str) else roles
    return Route(method, path, who, scope, status, note, member=member)


ANYONE = frozenset({ANONYMOUS})
SIGNED_IN = PEOPLE | {DEVICE}

ROUTES: tuple[Route, ...] = (
    # The API reference and the browser's static files: public by design.
    _r("GET", "/openapi.json", ANYONE, PUBLIC),
    _r("HEAD", "/openapi.json", ANYONE, PUBLIC),
    _r("GET", "/docs", ANYONE, PUBLIC),
    _r("GET", "/docs/assets", ANYONE, PUBLIC, note="mount: the viewer's script"),
    _r("GET", "/static", ANYONE, PUBLIC, note="mount: WebCrypto clip decryption"),
    _r("GET", "/v1/web/manifest", ANYONE, PUBLIC, note="what /static serves, as logged"),
    _r("GET", "/v1/map", ANYONE, PUBLIC, note="whether maps have a basemap"),
    _r("GET", "/map/basemap.pmtiles", ANYONE, PUBLIC, 404, "the walker's hub has no basemap"),
    # Health.
    _r("GET", "/healthz", ANYONE, PUBLIC),
    _r("GET", "/readyz", ANYONE, PUBLIC),
    # Accounts: registering and signing in are public; the rest is the caller's own.
    _r("POST", "/v1/accounts", ANYONE, PUBLIC, 201, "registers a resident"),
    _r("POST", "/v1/auth/login", ANYONE, PUBLIC),
    _r("POST", "/v1/auth/logout", SIGNED_IN, OWN_USER, 204, "a bearer token stays valid"),
    _r("GET", "/v1/me", PEOPLE, OWN_USER),
    _r("POST", "/v1/me/password", PEOPLE, OWN_USER, 204),
    _r("POST", "/v1/auth/tokens", PEOPLE, OWN_USER, 201),
    _r("GET", "/v1/auth/tokens", PEOPLE, OWN_USER),
    _r("DELETE", "/v1/auth/tokens/{token_id}", PEOPLE, OWN_USER, 204),
    _r("GET", "/v1/admin/users", ADMIN, ALL),
    _r("POST", "/v1/admin/users/{user_id}/unlock", ADMIN, ALL, 204),
    # Homes, members, cameras: residents, on homes they belong to.
    _r("POST", "/v1/homes", RESIDENT, OWN_HOME, 201, member=201),
    _r("GET", "/v1/homes", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/homes/{home_id}", RESIDENT, OWN_HOME, member=200),
    _r("PATCH", "/v1/homes/{home_id}", RESIDENT, OWN_HOME, member=403),
    _r("DELETE", "/v1/homes/{home_id}", RESIDENT, OWN_HOME, 204, member=403),
    _r("GET", "/v1/homes/{home_id}/members", RESIDENT, OWN_HOME, member=200),
    _r("POST", "/v1/homes/{home_id}/members", RESIDENT, OWN_HOME, 201, member=403),
    _r("DELETE", "/v1/homes/{home_id}/members/{user_id}", RESIDENT, OWN_HOME, 204, member=403),
    _r("POST", "/v1/homes/{home_id}/cameras", RESIDENT, OWN_HOME, 201, member=403),
    _r("GET", "/v1/homes/{home_id}/cameras", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/cameras", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/cameras/{camera_id}", RESIDENT, OWN_HOME, member=200),
    _r("PATCH", "/v1/cameras/{camera_id}", RESIDENT, OWN_HOME, member=403),
    _r("DELETE", "/v1/cameras/{camera_id}", RESIDENT, OWN_HOME, 204, member=403),
    # Edge devices: the owner pairs and revokes; the code is the pairing's proof.
    _r("POST", "/v1/homes/{home_id}/pairing-codes", RESIDENT, OWN_HOME, 201, member=403),
    _r(
        "POST",
        "/v1/devices/pairing-owner",
        ANYONE,
        PUBLIC,
        note="the pairing code is the proof; it stays unused",
    ),
    _r("POST", "/v1/devices/pair", ANYONE, PUBLIC, 201, "the pairing code is the proof"),
    _r("GET", "/v1/homes/{home_id}/devices", RESIDENT, OWN_HOME, member=200),
    _r("DELETE", "/v1/devices/{device_id}", RESIDENT, OWN_HOME, 204, member=403),
    _r("GET", "/v1/device", DEVICE, OWN_DEVICE_HOME),
    _r("PUT", "/v1/device/cameras/{camera_id}/health", DEVICE, OWN_DEVICE_HOME),
    Route(
        "PUT",
        "/v1/device/clips/{clip_id}/parts/{part}",
        frozenset({DEVICE}),
        OWN_DEVICE_HOME,
        note="the device picks a new clip id; another home's id is 409 'taken', never written",
        other_tenant=(("clip_id", 409),),
    ),
    _r("POST", "/v1/device/clips", DEVICE, OWN_DEVICE_HOME, 201),
    # Agencies: a member sees its own agency and publishes its key; admins run the rest.
    _r("GET", "/v1/agency", AGENCY, OWN_AGENCY),
    _r("PUT", "/v1/agency/key", AGENCY, OWN_AGENCY),
    _r("POST", "/v1/admin/agencies", ADMIN, ALL, 201),
    _r("GET", "/v1/admin/agencies", ADMIN, ALL),
    _r("POST", "/v1/admin/agencies/{agency_id}/verify", ADMIN, ALL),
    _r("POST", "/v1/admin/agencies/{agency_id}/members", ADMIN, ALL, 201),
    _r("POST", "/v1/admin/agencies/{agency_id}/suspend", ADMIN, ALL),
    _r("POST", "/v1/admin/agencies/{agency_id}/reinstate", ADMIN, ALL),
    # Clips and keys: residents of the clip's home (changes: owner).
    _r("GET", "/v1/cameras/{camera_id}/clips", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/cameras/{camera_id}/timeline", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/clips/{clip_id}/parts/{part}", RESIDENT, OWN_HOME, member=200),
    _r("DELETE", "/v1/clips/{clip_id}", RESIDENT, OWN_HOME, 204, member=403),
    _r("PUT", "/v1/me/key", RESIDENT, OWN_USER),
    _r("GET", "/v1/me/key", RESIDENT, OWN_USER),
    _r("GET", "/v1/homes/{home_id}/member-keys", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/homes/{home_id}/keys", RESIDENT, OWN_HOME, member=200),
    _r("POST", "/v1/homes/{home_id}/keys", RESIDENT, OWN_HOME, 201, member=403),
    # Owner-signed key lists: every member and the home's devices read them; an owner
    # uploads the next version.
    _r("GET", "/v1/homes/{home_id}/key-lists", RESIDENT, OWN_HOME, member=200),
    _r("PUT", "/v1/homes/{home_id}/key-list", RESIDENT, OWN_HOME, 201, member=403),
    _r("GET", "/v1/device/key-lists", DEVICE, OWN_DEVICE_HOME),
    Route(
        "PUT",
        "/v1/homes/{home_id}/keys/{home_key_id}/grants/{user_key_id}",
        frozenset({RESIDENT}),
        OWN_HOME,
        note="a key that isn't a household member's is 422 naming user_key_id, known or not",
        other_tenant=(("user_key_id", 422),),
        member=403,
    ),
    _r("GET", "/v1/clips/{clip_id}/keys", RESIDENT, OWN_HOME, member=200),
    _r("POST", "/v1/clips/{clip_id}/keys", RESIDENT, OWN_HOME, 201, member=403),
    _r(
        "DELETE", "/v1/clips/{clip_id}/keys/{recipient_key_id}", RESIDENT, OWN_HOME, 204, member=403
    ),
    # The public audit log and transparency report.
    _r("GET", "/v1/audit/key", ANYONE, PUBLIC),
    _r("GET", "/v1/audit/checkpoint", ANYONE, PUBLIC),
    _r("GET", "/v1/audit/checkpoints", ANYONE, PUBLIC),
    _r("GET", "/v1/audit/checkpoints/{size}", ANYONE, PUBLIC),
    _r("GET", "/v1/audit/proofs/inclusion", ANYONE, PUBLIC),
    _r("GET", "/v1/audit/proofs/consistency", ANYONE, PUBLIC),
    _r("GET", "/v1/audit/entries", ANYONE, PUBLIC),
    _r("GET", "/v1/transparency", ANYONE, PUBLIC),
    _r("GET", "/v1/transparency.csv", ANYONE, PUBLIC),
    _r("GET", "/transparency", ANYONE, PUBLIC),
    # The public request log; residents flag, admins review.
    _r("GET", "/v1/requests", ANYONE, PUBLIC),
    _r("GET", "/v1/requests.csv", ANYONE, PUBLIC),
    _r("GET", "/v1/requests/limits", ANYONE, PUBLIC),
    _r("GET", "/v1/requests/{request_id}", ANYONE, PUBLIC),
    _r("GET", "/v1/agencies", ANYONE, PUBLIC),
    _r("POST", "/v1/requests/{request_id}/flags", RESIDENT, PUBLIC, 201, "any logged request"),
    _r("GET", "/v1/admin/flags", ADMIN, ALL),
    _r("POST", "/v1/admin/flags/{flag_id}/review", ADMIN, ALL),
    # An agency's own requests.
    _r("POST", "/v1/agency/requests", AGENCY, OWN_AGENCY, 201),
    _r("GET", "/v1/agency/requests", AGENCY, OWN_AGENCY),
    _r("GET", "/v1/agency/requests/{request_id}", AGENCY, OWN_AGENCY),
    _r("POST", "/v1/agency/requests/{request_id}/withdraw", AGENCY, OWN_AGENCY),
    # A resident's inbox, per-home request settings and shares.
    _r("GET", "/v1/inbox", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/inbox/{delivery_id}", RESIDENT, OWN_HOME, member=404),
    _r("POST", "/v1/inbox/{delivery_id}/decline", RESIDENT, OWN_HOME, member=404),
    _r("GET", "/v1/homes/{home_id}/request-settings", RESIDENT, OWN_HOME, member=403),
    _r("PUT", "/v1/homes/{home_id}/request-settings", RESIDENT, OWN_HOME, member=403),
    _r("POST", "/v1/inbox/{delivery_id}/share", RESIDENT, OWN_HOME, 201, member=404),
    _r("GET", "/v1/me/shares", RESIDENT, OWN_HOME, member=200),
    _r("GET", "/v1/me/shares/{share_id}", RESIDENT, OWN_HOME, member=404),
    _r("GET", "/v1/me/shares/{share_id}/receipt", RESIDENT, OWN_HOME, member=404),
    _r("POST", "/v1/me/shares/{share_id}/withdraw", RESIDENT, OWN_HOME, member=404),
    _r("POST", "/v1/me/shares/{share_id}/extension", RESIDENT, OWN_HOME, member=404),
    # The shares an agency received.
    _r("GET", "/v1/agency/requests/{request_id}/shares", AGENCY, OWN_AGENCY),
    _r("GET", "/v1/agency/shares/{share_id}/package", AGENCY, OWN_AGENCY),
    _r("POST", "/v1/agency/shares/{share_id}/extension", AGENCY, OWN_AGENCY),
    # Notifications: every person's own.
    _r("GET", "/v1/me/notifications", PEOPLE, OWN_USER),
    _r("POST", "/v1/me/notifications/{notification_id}/read", PEOPLE, OWN_USER),
    # Legal demands: admins record and hand over; owners see those on their homes.
    _r("POST", "/v1/admin/demands", ADMIN, ALL, 201),
    _r("GET", "/v1/admin/demands", ADMIN, ALL),
    _r("GET", "/v1/admin/demands/{demand_id}", ADMIN, ALL),
    _r("GET", "/v1/admin/demands/{demand_id}/package", ADMIN, ALL),
    _r("GET", "/v1/me/demands", RESIDENT, OWN_HOME, member=200),
)


def row(method: str, path: str) -> Route:
    """The table's row for ``method path``; KeyError names it when there is none."""
    for each in ROUTES:
        if (each.method, each.path) == (method, path):
            return each
    raise KeyError(f"{method} {path} is not in the authorization table")


def anonymous_routes() -> frozenset[tuple[str, str]]:
    """(method, path) of every route anyone may call without signing in."""
    return frozenset((each.method, each.path) for each in ROUTES if ANONYMOUS in each.roles)


def agency_visible() -> tuple[Route, ...]:
    """Every route an agency member may call: what an agency can see of the hub."""
    return tuple(each for each in ROUTES if ANONYMOUS in each.roles or AGENCY in each.roles)
