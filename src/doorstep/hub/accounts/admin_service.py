"""What admins do to accounts."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from doorstep.errors import NotFound
from doorstep.hub.accounts.models import AttemptKind, AuthAttempt, User


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.created_at, User.id)))


def unlock_user(session: Session, *, user_id: uuid.UUID) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    session.execute(
        delete(AuthAttempt).where(
            AuthAttempt.kind == AttemptKind.SIGN_IN, AuthAttempt.subject == user.email
        )
    )
