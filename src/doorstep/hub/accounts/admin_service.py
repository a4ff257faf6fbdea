"""What admins do to accounts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from doorstep.errors import NotFound
from doorstep.hub.accounts.models import AttemptKind, AuthAttempt, Role, User
from doorstep.hub.accounts.service import create_user
from doorstep.hub.audit.service import actor_of, append_entry, pseudonymous
from doorstep.settings import Settings


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


def locked_out(
    session: Session, *, settings: Settings, users: Sequence[User], now: datetime
) -> dict[uuid.UUID, datetime]:
    """The users locked out of signing in now, each with when the lockout ends.

    The same count as ``enforce_attempt_limits``: at least ``login_max_failures`` failed
    sign-ins in the last ``login_lockout_minutes``, which ``unlock_user`` forgets.
    """
    window = timedelta(minutes=settings.login_lockout_minutes)
    failures = session.execute(
        select(AuthAttempt.subject, func.count(), func.min(AuthAttempt.at))
        .where(AuthAttempt.kind == AttemptKind.SIGN_IN, AuthAttempt.at >= now - window)
        .group_by(AuthAttempt.subject)
    ).all()
    counted = {subject: (int(n), oldest) for subject, n, oldest in failures}
    locked = {}
    for user in users:
        n, oldest = counted.get(user.email, (0, None))
        if n >= settings.login_max_failures and oldest is not None:
            locked[user.id] = oldest + window
    return locked


def count_admins(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(User.role == Role.ADMIN)) or 0)


def create_admin(
    session: Session, *, settings: Settings, email: str, password: str, display_name: str
) -> User:
    """An admin account, made on the hub's own machine (`doorstep admin create`).

    Admins act under their name in the public log, so the new one is named there too.
    """
    user = create_user(
        session,
        settings=settings,
        email=email,
        password=password,
        display_name=display_name,
        role=Role.ADMIN,
    )
    append_entry(
        session,
        action="account.admin_created",
        actor=actor_of(session, None),
        objects={"admin": user.display_name, "admin_id": str(user.id)},
        private={"email": user.email},
    )
    return user
