"""What admins do to accounts."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from doorstep.errors import NotFound
from doorstep.hub.accounts.models import AttemptKind, AuthAttempt, User
from doorstep.hub.audit.service import actor_of, append_entry, pseudonymous


def list_users(session: Session, *, actor: User | None) -> list[User]:
    """Every account, emails included: reading them is on the record."""
    users = list(session.scalars(select(User).order_by(User.created_at, User.id)))
    append_entry(
        session,
        action="accounts.listed",
        actor=actor_of(session, actor),
        objects={"count": len(users)},
    )
    return users


def unlock_user(session: Session, *, actor: User | None, user_id: uuid.UUID) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    session.execute(
        delete(AuthAttempt).where(
            AuthAttempt.kind == AttemptKind.SIGN_IN, AuthAttempt.subject == user.email
        )
    )
    # The same pseudonym as the failed sign-ins this forgets.
    append_entry(
        session,
        action="account.unlocked",
        actor=actor_of(session, actor),
        objects={"account": pseudonymous(session, "email", user.email)},
        private={"user_id": user.id},
    )
