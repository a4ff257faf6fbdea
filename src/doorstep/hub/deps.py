"""Dependency shortcuts, declared once: database session, state, and who is calling.

Dependencies that touch no I/O are ``async def``: FastAPI runs each sync dependency in
the thread pool, and each hop costs about 0.1 ms.

Browser sessions (cookie) must echo their CSRF token in ``X-CSRF-Token`` on every
unsafe method; bearer tokens (edge, CLI) are not sent by browsers on their own, so
they need none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from doorstep.errors import AuthenticationFailed, PermissionDenied
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.accounts.security import same_secret
from doorstep.hub.accounts.service import (
    Principal,
    principal_from_bearer,
    principal_from_session_token,
)
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.state import HubState

SESSION_COOKIE = "doorstep_session"
CSRF_COOKIE = "doorstep_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_state(request: Request) -> HubState:
    state: HubState = request.app.state.hub
    return state


StateDep = Annotated[HubState, Depends(get_state)]


async def get_request_limits(state: StateDep) -> RequestLimits:
    """The request limits this hub enforces and publishes: the defaults, maybe tightened."""
    return state.request_limits


RequestLimitsDep = Annotated[RequestLimits, Depends(get_request_limits)]


def get_db(state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    with state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_db, scope="function")]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_principal(request: Request, session: SessionDep, state: StateDep) -> Principal:
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("Authorization header must be 'Bearer <token>'")
        principal = principal_from_bearer(session, secret_key=state.secret_key, token=token.strip())
        if principal is None:
            raise AuthenticationFailed("bearer token is unknown, revoked or expired")
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise AuthenticationFailed("sign in first: no session cookie or bearer token was sent")
    principal = principal_from_session_token(session, secret_key=state.secret_key, token=cookie)
    if principal is None or principal.session is None:
        raise AuthenticationFailed("the session has expired or was ended; sign in again")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not same_secret(sent, principal.session.csrf_token):
            raise PermissionDenied(f"the {CSRF_HEADER} header is missing or does not match")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: PrincipalDep) -> User:
    if principal.user is None:
        raise PermissionDenied("this route is for people; edge devices can't use it")
    return principal.user


CurrentUser = Annotated[User, Depends(get_current_user)]


class RoleGuard:
    """Admits only users with ``role``; the authorization test reads ``role`` off routes."""

    def __init__(self, role: Role, who: str) -> None:
        self.role = role
        self.who = who

    async def __call__(self, user: CurrentUser) -> User:
        if user.role != self.role:
            raise PermissionDenied(f"this route is for {self.who} only")
        return user


CurrentResident = Annotated[User, Depends(RoleGuard(Role.RESIDENT, "residents"))]
CurrentAgencyMember = Annotated[User, Depends(RoleGuard(Role.AGENCY_MEMBER, "agency members"))]
CurrentAdmin = Annotated[User, Depends(RoleGuard(Role.ADMIN, "administrators"))]


async def get_current_device(principal: PrincipalDep) -> EdgeDevice:
    if principal.device is None:
        raise PermissionDenied("this route is for edge devices; sign in with a device token")
    return principal.device


CurrentDevice = Annotated[EdgeDevice, Depends(get_current_device)]
