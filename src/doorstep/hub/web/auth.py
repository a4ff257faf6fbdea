"""Who is looking at a page: FastAPI dependencies for page routes.

``PageUser`` never raises (signed out or expired is ``None``). ``PageResident``,
``PageAgencyMember`` and ``PageAdmin`` send a signed-out browser to ``/sign-in?next=<path>``
(303) and answer another role with the 403 page. ``PageCsrf`` guards unsafe page routes:
the session's CSRF token in the ``X-CSRF-Token`` header (htmx, app.js) or in a
``csrf_token`` form field (plain forms, ``csrf_field()`` in templates).

The principal is resolved once per request and kept on ``request.state``, so ``render()``
knows the user without a second look-up.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.security import same_secret
from doorstep.hub.accounts.service import Principal, principal_from_session_token
from doorstep.hub.deps import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, SessionDep, StateDep
from doorstep.hub.state import HubState

CSRF_FIELD = "csrf_token"
_PRINCIPAL = "doorstep_page_principal"
SIGN_IN_PATH = "/sign-in"


class PageRedirect(Exception):
    """Answered with a 303 to ``location`` (see web/errors.py)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class PageForbidden(Exception):
    """Answered with the 403 page naming why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _resolve(request: Request, session: Session, state: HubState) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = principal_from_session_token(session, secret_key=state.secret_key, token=token)
    if principal is None or principal.user is None or principal.session is None:
        return None
    return principal


def page_principal(request: Request, session: Session | None = None) -> Principal | None:
    """The browser session's principal (cached on the request); ``None`` when signed out.

    Without a database session (an error page, say) it opens a short one of its own.
    """
    if hasattr(request.state, _PRINCIPAL):
        cached: Principal | None = getattr(request.state, _PRINCIPAL)
        return cached
    state: HubState = request.app.state.hub
    if session is not None:
        principal = _resolve(request, session, state)
    else:
        with state.sessions() as own:
            principal = _resolve(request, own, state)
    setattr(request.state, _PRINCIPAL, principal)
    return principal


def forget_principal(request: Request) -> None:
    """Drop the cached principal: after an error its database session has rolled back, so
    the next ``render()`` looks the user up again in a session of its own."""
    if hasattr(request.state, _PRINCIPAL):
        delattr(request.state, _PRINCIPAL)


def get_page_user(request: Request, session: SessionDep, state: StateDep) -> User | None:
    principal = page_principal(request, session)
    return principal.user if principal else None


PageUser = Annotated[User | None, Depends(get_page_user)]


def sign_in_location(request: Request) -> str:
    """``/sign-in?next=<this path and query>``."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{SIGN_IN_PATH}?next={quote(target, safe='/')}"


class PageRoleGuard:
    """Admits only ``role``; the authorization test reads ``role`` off page routes."""

    def __init__(self, role: Role, who: str) -> None:
        self.role = role
        self.who = who

    async def __call__(self, request: Request, user: PageUser) -> User:
        if user is None:
            raise PageRedirect(sign_in_location(request))
        if user.role != self.role:
            raise PageForbidden(f"this page is for {self.who} only")
        return user


PageResident = Annotated[User, Depends(PageRoleGuard(Role.RESIDENT, "residents"))]
PageAgencyMember = Annotated[User, Depends(PageRoleGuard(Role.AGENCY_MEMBER, "agency members"))]
PageAdmin = Annotated[User, Depends(PageRoleGuard(Role.ADMIN, "administrators"))]


async def check_page_csrf(request: Request, user: PageUser) -> None:
    """Unsafe page calls by a signed-in browser must echo the session's CSRF token.

    Signed-out forms (sign-in, sign-up) have no session to protect; they rely on the
    same-origin check (web/origin.py) and SameSite cookies.
    """
    if request.method in SAFE_METHODS:
        return
    principal = page_principal(request)
    if user is None or principal is None or principal.session is None:
        return
    expected = principal.session.csrf_token
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same_secret(sent or "", expected):
        raise PageForbidden(
            f"the form's {CSRF_FIELD} field or the {CSRF_HEADER} header is missing or does "
            "not match this session; reload the page and try again"
        )


PageCsrf = Annotated[None, Depends(check_page_csrf)]
