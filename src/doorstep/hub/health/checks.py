"""What the hub's health looks like: the readiness checks, the audit checkpoint's age, counts.

``readiness`` is what ``GET /readyz`` answers; the admin's system page shows the same
checks beside the newest checkpoint's age and a few counts of what the hub holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from doorstep.errors import DoorstepError
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.models import AuditCheckpoint
from doorstep.hub.audit.service import tree_size
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import Base
from doorstep.hub.demands.models import LegalDemand
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.requests.models import FlagStatus, FootageRequest, RequestFlag
from doorstep.hub.shares.models import Share
from doorstep.hub.state import HubState

OK = "ok"


def _check_database(state: HubState) -> None:
    with state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def readiness(state: HubState) -> dict[str, str]:
    """Each dependency: ``"ok"`` or ``"unreachable: <why>"``."""
    checks: dict[str, str] = {}
    try:
        await run_in_threadpool(_check_database, state)
        checks["database"] = OK
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
    try:
        await run_in_threadpool(state.storage.check)
        checks["storage"] = OK
    except DoorstepError as exc:
        checks["storage"] = f"unreachable: {exc.detail}"
    try:
        await state.bus.check()
        checks["bus"] = OK
    except DoorstepError as exc:
        checks["bus"] = f"unreachable: {exc.detail}"
    return checks


@dataclass(frozen=True)
class CheckpointAge:
    """The newest checkpoint (None before the first) and the entries it doesn't cover yet."""

    size: int | None
    issued_at: datetime | None
    age: timedelta | None
    entries: int
    uncovered: int


def checkpoint_age(session: Session, now: datetime) -> CheckpointAge:
    newest = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1))
    entries = tree_size(session)
    if newest is None:
        return CheckpointAge(None, None, None, entries, entries)
    return CheckpointAge(
        size=newest.size,
        issued_at=newest.created_at,
        age=now - newest.created_at,
        entries=entries,
        uncovered=entries - newest.size,
    )


def system_counts(session: Session, now: datetime) -> dict[str, int]:
    """How many of each thing the hub holds, in words an admin reads at a glance."""

    def count(model: type[Base], *criteria: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0)

    return {
        "residents": count(User, User.role == Role.RESIDENT),
        "agency members": count(User, User.role == Role.AGENCY_MEMBER),
        "admins": count(User, User.role == Role.ADMIN),
        "homes": count(Home),
        "cameras": count(Camera),
        "clips": count(Clip),
        "agencies": count(Agency),
        "requests": count(FootageRequest),
        "live shares": count(Share, Share.ended_at.is_(None), Share.expires_at > now),
        "open flags": count(RequestFlag, RequestFlag.status == FlagStatus.OPEN),
        "legal demands": count(LegalDemand),
    }
