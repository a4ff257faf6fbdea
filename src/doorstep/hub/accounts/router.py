"""Registration, sign-in and out, the caller's own account, and personal bearer tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from doorstep.hub.accounts import service
from doorstep.hub.accounts.cookies import clear_session_cookies, start_browser_session
from doorstep.hub.accounts.schemas import (
    PasswordChange,
    SignedIn,
    SignIn,
    TokenCreate,
    TokenIssued,
    TokenPublic,
    UserPublic,
    UserRegister,
)
from doorstep.hub.deps import (
    CurrentUser,
    PrincipalDep,
    SessionDep,
    StateDep,
    client_address,
)
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
def register(body: UserRegister, session: SessionDep, state: StateDep) -> UserPublic:
    """Create a resident account (agency members and admins are created by an admin)."""
    user = service.register_resident(session, settings=state.settings, registration=body)
    return UserPublic.model_validate(user)


@router.post("/auth/login")
def login(
    body: SignIn, request: Request, response: Response, session: SessionDep, state: StateDep
) -> SignedIn:
    user = service.sign_in(
        session,
        settings=state.settings,
        email=body.email,
        password=body.password,
        address=client_address(request),
    )
    issued = start_browser_session(response, request, session=session, state=state, user=user)
    return SignedIn(
        user=UserPublic.model_validate(user),
        csrf_token=issued.row.csrf_token,
        expires_at=issued.row.expires_at,
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: PrincipalDep, session: SessionDep, response: Response) -> None:
    """End this browser session; a bearer token stays valid (revoke it instead)."""
    if principal.session is not None:
        service.close_browser_session(session, browser_session=principal.session)
    clear_session_cookies(response)


@router.get("/me")
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange, request: Request, user: CurrentUser, session: SessionDep, state: StateDep
) -> None:
    service.change_password(
        session,
        settings=state.settings,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        address=client_address(request),
    )


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenCreate, user: CurrentUser, session: SessionDep, state: StateDep
) -> TokenIssued:
    row, token = service.create_personal_token(
        session, secret_key=state.secret_key, user=user, name=body.name
    )
    return TokenIssued(
        id=row.id, name=row.name, created_at=row.created_at, last_used_at=None, token=token
    )


@router.get("/auth/tokens")
def list_tokens(user: CurrentUser, session: SessionDep) -> Page[TokenPublic]:
    rows = service.list_tokens(session, user=user)
    return Page(data=[TokenPublic.model_validate(row) for row in rows], count=len(rows))


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    service.revoke_token(session, user=user, token_id=token_id)
