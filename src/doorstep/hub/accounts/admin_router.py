"""Account administration."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from doorstep.hub.accounts import admin_service
from doorstep.hub.accounts.schemas import UserPublic
from doorstep.hub.deps import CurrentAdmin, SessionDep
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/users")
def list_users(admin: CurrentAdmin, session: SessionDep) -> Page[UserPublic]:
    users = admin_service.list_users(session, actor=admin)
    return Page(data=[UserPublic.model_validate(u) for u in users], count=len(users))


@router.post("/users/{user_id}/unlock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_user(user_id: uuid.UUID, admin: CurrentAdmin, session: SessionDep) -> None:
    """Forget the account's failed sign-ins, ending a lockout."""
    admin_service.unlock_user(session, actor=admin, user_id=user_id)
