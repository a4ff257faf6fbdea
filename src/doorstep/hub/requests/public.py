"""What anyone may read without signing in: the request log, the agencies, the limits.

The log shows each request's agency, category, coarse area (H3 resolution-8 cells),
window, status, emergency flag and the number of clips shared; never the precise
shape, the details, or anything about who was asked or answered.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict, NotFound
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.service import actor_of, append_entry
from doorstep.hub.db import utcnow
from doorstep.hub.requests.geometry import area_km2_text
from doorstep.hub.requests.models import (
    FlagStatus,
    FootageRequest,
    RequestFlag,
    RequestStatus,
)
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.requests.service import agency_requests_since, clips_shared, effective_status
from doorstep.hub.transparency.export import csv_cell


@dataclass(frozen=True)
class LoggedRequest:
    id: uuid.UUID
    agency: str
    agency_kind: str
    category: str
    coarse_cells: list[str]
    area_km2: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    open_until: datetime
    status: RequestStatus
    emergency: bool
    clips_shared: int


def _logged(session: Session, rows: Sequence[tuple[FootageRequest, Agency]]) -> list[LoggedRequest]:
    shared = clips_shared(session, [request.id for request, _ in rows])
    now = utcnow()
    return [
        LoggedRequest(
            id=request.id,
            agency=agency.name,
            agency_kind=agency.kind,
            category=request.category,
            coarse_cells=request.coarse_cells.split(","),
            area_km2=area_km2_text(request.area_m2),
            window_start=request.window_start,
            window_end=request.window_end,
            created_at=request.created_at,
            open_until=request.open_until,
            status=effective_status(request, now),
            emergency=request.emergency,
            clips_shared=shared[request.id],
        )
        for request, agency in rows
    ]


def request_log(
    session: Session, *, offset: int, limit: int, agency_id: uuid.UUID | None = None
) -> tuple[list[LoggedRequest], int]:
    """A page of the public log, newest first, and how many requests there are in all."""
    query = select(FootageRequest, Agency).join(Agency, Agency.id == FootageRequest.agency_id)
    count = select(func.count()).select_from(FootageRequest)
    if agency_id is not None:
        query = query.where(FootageRequest.agency_id == agency_id)
        count = count.where(FootageRequest.agency_id == agency_id)
    rows = session.execute(
        query.order_by(FootageRequest.created_at.desc(), FootageRequest.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return _logged(session, [(request, agency) for request, agency in rows]), int(
        session.scalar(count) or 0
    )


def logged_request(session: Session, request_id: uuid.UUID) -> LoggedRequest:
    row = session.execute(
        select(FootageRequest, Agency)
        .join(Agency, Agency.id == FootageRequest.agency_id)
        .where(FootageRequest.id == request_id)
    ).first()
    if row is None:
        raise NotFound(f"request {request_id} not found")
    return _logged(session, [(row[0], row[1])])[0]


CSV_HEADER = (
    "id",
    "created_at",
    "agency",
    "agency_kind",
    "category",
    "emergency",
    "status",
    "window_start",
    "window_end",
    "area_km2",
    "coarse_cells",
    "clips_shared",
)


def request_log_csv(logged: Sequence[LoggedRequest]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in logged:
        writer.writerow(
            (
                row.id,
                row.created_at.isoformat(),
                csv_cell(row.agency),
                row.agency_kind,
                row.category,
                str(row.emergency).lower(),
                row.status.value,
                row.window_start.isoformat(),
                row.window_end.isoformat(),
                row.area_km2,
                " ".join(row.coarse_cells),
                row.clips_shared,
            )
        )
    return out.getvalue()


@dataclass(frozen=True)
class AgencyBudget:
    agency: Agency
    requests_in_period: int


def agencies_with_budget(session: Session, limits: RequestLimits) -> list[AgencyBudget]:
    """Every agency, verified or not, with its use of the per-agency request budget."""
    since = utcnow() - limits.agency_period
    return [
        AgencyBudget(agency, agency_requests_since(session, agency_id=agency.id, since=since))
        for agency in session.scalars(select(Agency).order_by(Agency.name))
    ]


def flag_request(
    session: Session, *, user: User, request_id: uuid.UUID, reason: str
) -> RequestFlag:
    """A resident reports that a request breaks the purpose rules; an admin will review it."""
    if session.get(FootageRequest, request_id) is None:
        raise NotFound(f"request {request_id} not found")
    mine = session.scalar(
        select(RequestFlag.id).where(
            RequestFlag.request_id == request_id,
            RequestFlag.flagged_by == user.id,
            RequestFlag.status == FlagStatus.OPEN,
        )
    )
    if mine is not None:
        raise Conflict("you flagged this request already; an admin will review it")
    flag = RequestFlag(request_id=request_id, flagged_by=user.id, reason=reason)
    session.add(flag)
    session.flush()
    append_entry(
        session,
        action="request.flagged",
        actor=actor_of(session, user),
        objects={"request_id": str(request_id), "flag_id": str(flag.id)},
    )
    return flag


def open_flags(session: Session) -> list[RequestFlag]:
    return list(
        session.scalars(
            select(RequestFlag)
            .where(RequestFlag.status == FlagStatus.OPEN)
            .order_by(RequestFlag.created_at, RequestFlag.id)
        )
    )


def reviewed_flags(session: Session, *, limit: int = 50) -> list[RequestFlag]:
    """The newest reviewed flags, with the notes the reviews published in the log."""
    return list(
        session.scalars(
            select(RequestFlag)
            .where(RequestFlag.status != FlagStatus.OPEN)
            .order_by(RequestFlag.reviewed_at.desc(), RequestFlag.id)
            .limit(limit)
        )
    )


def review_flag(
    session: Session, *, admin: User, flag_id: uuid.UUID, withdraw: bool, note: str
) -> RequestFlag:
    """Uphold a flag (the request is withdrawn, marked so in the log) or dismiss it."""
    flag = session.get(RequestFlag, flag_id)
    if flag is None:
        raise NotFound(f"flag {flag_id} not found")
    if flag.status != FlagStatus.OPEN:
        raise Conflict(f"flag {flag_id} was reviewed already ({flag.status})")
    request = session.get(FootageRequest, flag.request_id)
    assert request is not None  # foreign key
    now = utcnow()
    outcome = FlagStatus.UPHELD if withdraw else FlagStatus.DISMISSED
    flags = [flag]
    if withdraw:
        request.status, request.withdrawn_at = RequestStatus.WITHDRAWN_AFTER_REVIEW, now
        request.review_note = note
        # Every open flag on the request is answered by the same review.
        flags = list(
            session.scalars(
                select(RequestFlag).where(
                    RequestFlag.request_id == request.id, RequestFlag.status == FlagStatus.OPEN
                )
            )
        )
    for each in flags:
        each.status, each.reviewed_by, each.reviewed_at, each.review_note = (
            outcome,
            admin.id,
            now,
            note,
        )
    append_entry(
        session,
        action="request.reviewed",
        actor=actor_of(session, admin),
        objects={"request_id": str(request.id), "outcome": outcome.value, "note": note},
    )
    return flag
