"""Accounts: registration, sign-in with lockout, browser sessions and bearer tokens."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from doorstep.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, RateLimited
from doorstep.hub.accounts.models import (
    ApiToken,
    AttemptKind,
    AuthAttempt,
    BrowserSession,
    Role,
    User,
)
from doorstep.hub.accounts.schemas import UserRegister
from doorstep.hub.accounts.security import (
    hash_password,
    keyed_hash,
    new_token,
    verify_password,
)
from doorstep.hub.audit.service import actor_of, append_entry, pseudonymous
from doorstep.hub.db import utcnow
from doorstep.hub.devices.models import EdgeDevice
from doorstep.settings import Settings


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person (by session or token) or an edge device (by token)."""

    user: User | None = None
    device: EdgeDevice | None = None
    session: BrowserSession | None = None


@dataclass(frozen=True)
class IssuedSession:
    row: BrowserSession
    token: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str, *, settings: Settings, field: str = "password") -> None:
    if len(password) < settings.password_min_length:
        raise InvalidInput(
            f"{field} must be at least {settings.password_min_length} characters long",
            field=field,
        )


def create_user(
    session: Session,
    *,
    settings: Settings,
    email: str,
    password: str,
    display_name: str,
    role: Role,
    agency_id: uuid.UUID | None = None,
) -> User:
    check_password_rules(password, settings=settings)
    email = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"an account with the email {email} exists already")
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        agency_id=agency_id,
    )
    session.add(user)
    session.flush()
    return user


def register_resident(session: Session, *, settings: Settings, registration: UserRegister) -> User:
    """A person's own sign-up, by the API or the page: always a resident (an admin makes
    agency members and admins)."""
    return create_user(
        session,
        settings=settings,
        email=registration.email,
        password=registration.password,
        display_name=registration.display_name,
        role=Role.RESIDENT,
    )


def count_recent_failures(
    session: Session,
    *,
    kind: AttemptKind,
    since: datetime,
    subject: str | None = None,
    address: str | None = None,
) -> tuple[int, datetime | None]:
    """How many failures match, and when the oldest of them happened."""
    query = select(func.count(), func.min(AuthAttempt.at)).where(
        AuthAttempt.kind == kind, AuthAttempt.at >= since
    )
    if subject is not None:
        query = query.where(AuthAttempt.subject == subject)
    if address is not None:
        query = query.where(AuthAttempt.address == address)
    count, oldest = session.execute(query).one()
    return int(count), oldest


def enforce_attempt_limits(
    session: Session, *, settings: Settings, kind: AttemptKind, subject: str | None, address: str
) -> None:
    """Raise RateLimited when the subject is locked out or the address tried too often."""
    window = timedelta(minutes=settings.login_lockout_minutes)
    now = utcnow()
    checks: list[tuple[int, dict[str, str], str]] = [
        (settings.ip_max_failures, {"address": address}, "from this address"),
    ]
    if subject is not None:
        checks.insert(0, (settings.login_max_failures, {"subject": subject}, "for this account"))
    for limit, where, whose in checks:
        count, oldest = count_recent_failures(session, kind=kind, since=now - window, **where)
        if count >= limit and oldest is not None:
            retry_after = max(1, int((oldest + window - now).total_seconds()))
            raise RateLimited(
                f"too many failed attempts {whose} ({count}, limit {limit} per "
                f"{settings.login_lockout_minutes} min); try again in {retry_after} s",
                retry_after=retry_after,
            )


def record_failure(session: Session, *, kind: AttemptKind, subject: str, address: str) -> None:
    """Store a failed attempt and commit it, so it counts even though the call fails."""
    session.add(AuthAttempt(kind=kind, subject=subject, address=address, at=utcnow()))
    session.commit()


def sign_in(
    session: Session, *, settings: Settings, email: str, password: str, address: str
) -> User:
    email = normalize_email(email)
    enforce_attempt_limits(
        session, settings=settings, kind=AttemptKind.SIGN_IN, subject=email, address=address
    )
    user = session.scalar(select(User).where(User.email == email))
    # Verify even when there is no such account, so timing doesn't reveal which emails exist.
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid:
        append_entry(
            session,
            action="auth.sign_in_failed",
            actor={"kind": "anonymous"},
            objects={"account": pseudonymous(session, "email", email)},
            private={"email": email, "address": address},
        )
        record_failure(session, kind=AttemptKind.SIGN_IN, subject=email, address=address)
        raise AuthenticationFailed("email or password is wrong")
    append_entry(
        session,
        action="auth.signed_in",
        actor=actor_of(session, user),
        objects={},
        private={"address": address},
    )
    return user


def open_browser_session(
    session: Session, *, settings: Settings, secret_key: bytes, user: User
) -> IssuedSession:
    token = secrets.token_urlsafe(32)
    row = BrowserSession(
        token_hash=keyed_hash(secret_key, "session", token),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        expires_at=utcnow() + timedelta(hours=settings.session_hours),
    )
    session.add(row)
    session.flush()
    return IssuedSession(row=row, token=token)


def close_browser_session(session: Session, *, browser_session: BrowserSession) -> None:
    session.delete(browser_session)


def principal_from_session_token(
    session: Session, *, secret_key: bytes, token: str
) -> Principal | None:
    row = session.scalar(
        select(BrowserSession).where(
            BrowserSession.token_hash == keyed_hash(secret_key, "session", token)
        )
    )
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return Principal(user=user, session=row) if user else None


def principal_from_bearer(session: Session, *, secret_key: bytes, token: str) -> Principal | None:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == keyed_hash(secret_key, "token", token))
    )
    if row is None or row.revoked_at is not None:
        return None
    # Touch at most once a minute: avoids a write on every request.
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    if row.device_id is not None:
        device = session.get(EdgeDevice, row.device_id)
        if device is None or device.revoked_at is not None:
            return None
        return Principal(device=device)
    user = session.get(User, row.user_id)
    return Principal(user=user) if user else None


def issue_token(
    session: Session,
    *,
    secret_key: bytes,
    name: str,
    user_id: uuid.UUID | None = None,
    device_id: uuid.UUID | None = None,
) -> tuple[ApiToken, str]:
    """Create a bearer token; the clear value is returned once and never stored."""
    token = new_token()
    row = ApiToken(
        name=name,
        token_hash=keyed_hash(secret_key, "token", token),
        user_id=user_id,
        device_id=device_id,
    )
    session.add(row)
    session.flush()
    return row, token


def create_personal_token(
    session: Session, *, secret_key: bytes, user: User, name: str
) -> tuple[ApiToken, str]:
    """A bearer token the caller makes for themselves (a CLI, a script); on the record."""
    row, token = issue_token(session, secret_key=secret_key, name=name, user_id=user.id)
    _append_token_entry(session, "auth.token_created", user, row)
    return row, token


def _append_token_entry(session: Session, action: str, user: User, row: ApiToken) -> None:
    append_entry(
        session,
        action=action,
        actor=actor_of(session, user),
        objects={"token_id": str(row.id)},
        private={"name": row.name},
    )


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at)
        )
    )


def revoke_token(session: Session, *, user: User, token_id: uuid.UUID) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(f"token {token_id} not found")
    row.revoked_at = utcnow()
    _append_token_entry(session, "auth.token_revoked", user, row)


def change_password(
    session: Session,
    *,
    settings: Settings,
    user: User,
    current_password: str,
    new_password: str,
    address: str,
) -> None:
    """A wrong current password is a guess like a failed sign-in: counted and locked out."""
    enforce_attempt_limits(
        session, settings=settings, kind=AttemptKind.SIGN_IN, subject=user.email, address=address
    )
    if not verify_password(user.password_hash, current_password):
        append_entry(
            session,
            action="auth.password_change_failed",
            actor=actor_of(session, user),
            objects={},
            private={"address": address},
        )
        record_failure(session, kind=AttemptKind.SIGN_IN, subject=user.email, address=address)
        raise AuthenticationFailed("current_password is wrong")
    check_password_rules(new_password, settings=settings, field="new_password")
    user.password_hash = hash_password(new_password)
    # Every browser signed in with the old password is signed out, this one included.
    for row in session.scalars(select(BrowserSession).where(BrowserSession.user_id == user.id)):
        session.delete(row)
    append_entry(session, action="auth.password_changed", actor=actor_of(session, user), objects={})
