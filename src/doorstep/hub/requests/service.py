"""Agency requests: filed inside every limit, delivered to the inboxes of matching homes.

``policy.check_request`` is the one place the limits are enforced; this module gathers
what it needs (the agency's standing and its budget use) and records the result. The
agency row is locked while a request is filed, so two requests filed at once can't
both squeeze under the same budget.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from doorstep.audit.actions import CATEGORY, EMERGENCY, REQUEST_CREATED, REQUEST_ID
from doorstep.errors import Conflict, NotFound
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.service import actor_of, append_entry
from doorstep.hub.db import utcnow
from doorstep.hub.requests.delivery import deliver
from doorstep.hub.requests.geometry import (
    RequestArea,
    area_km2_text,
    coarse_cells,
    from_geojson_text,
    to_geojson,
)
from doorstep.hub.requests.models import FootageRequest, RequestStatus
from doorstep.hub.requests.policy import (
    AgencyStanding,
    BudgetUse,
    ProposedRequest,
    RequestLimits,
    check_request,
)
from doorstep.hub.shares.models import Share, SharedClip


@dataclass(frozen=True)
class RequestDraft:
    """What an agency member asks for; checked against the limits before anything is kept."""

    investigation_code: str
    category: str
    details: str
    area: RequestArea
    window_start: datetime
    window_end: datetime
    open_until: datetime
    retention_days: int
    attested: bool
    emergency: bool = False
    emergency_reason: str | None = None


def effective_status(row: FootageRequest, now: datetime | None = None) -> RequestStatus:
    """An open request whose open time ran out is closed, whether or not a job noticed."""
    if row.status == RequestStatus.OPEN and row.open_until <= (now or utcnow()):
        return RequestStatus.CLOSED
    return RequestStatus(row.status)


def budget_use(
    session: Session,
    *,
    agency_id: uuid.UUID,
    investigation_code: str,
    now: datetime,
    limits: RequestLimits,
) -> BudgetUse:
    """What the agency used so far; withdrawn requests count, so re-filing can't reset it."""
    code_requests, code_area = session.execute(
        select(func.count(), func.coalesce(func.sum(FootageRequest.area_m2), 0.0)).where(
            FootageRequest.agency_id == agency_id,
            FootageRequest.investigation_code == investigation_code,
        )
    ).one()
    return BudgetUse(
        code_requests=int(code_requests),
        code_area_m2=float(code_area),
        agency_requests_in_period=agency_requests_since(
            session, agency_id=agency_id, since=now - limits.agency_period
        ),
    )


def agency_requests_since(session: Session, *, agency_id: uuid.UUID, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                FootageRequest.agency_id == agency_id, FootageRequest.created_at > since
            )
        )
        or 0
    )


def _lock_agency(session: Session, agency_id: uuid.UUID) -> Agency:
    """Take the agency's row lock (the write lock on SQLite) before reading its budget."""
    session.execute(update(Agency).where(Agency.id == agency_id).values(id=Agency.id))
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"agency {agency_id} not found")
    return agency


def standing_of(agency: Agency) -> AgencyStanding:
    return AgencyStanding(
        verified=agency.verified_at is not None,
        suspended=agency.suspended_at is not None,
        jurisdiction=from_geojson_text(agency.jurisdiction) if agency.jurisdiction else None,
    )


def _check_draft(
    session: Session, *, agency: Agency, draft: RequestDraft, limits: RequestLimits, now: datetime
) -> None:
    check_request(
        ProposedRequest(
            investigation_code=draft.investigation_code,
            category=draft.category,
            details=draft.details,
            attested=draft.attested,
            area=draft.area,
            window_start=draft.window_start,
            window_end=draft.window_end,
            open_until=draft.open_until,
            retention_days=draft.retention_days,
            emergency=draft.emergency,
            emergency_reason=draft.emergency_reason,
            now=now,
        ),
        standing=standing_of(agency),
        budget=budget_use(
            session,
            agency_id=agency.id,
            investigation_code=draft.investigation_code,
            now=now,
            limits=limits,
        ),
        limits=limits,
    )


def check_draft(
    session: Session,
    *,
    member: User,
    draft: RequestDraft,
    limits: RequestLimits,
    now: datetime | None = None,
) -> None:
    """Refuse the draft as ``create_request`` would, keeping nothing: the composer's live check.

    Nothing is locked, so a request filed at the same moment may still use up the budget
    this found free; ``create_request`` checks again under the agency's lock.
    """
    assert member.agency_id is not None  # the users table guarantees it for members
    agency = session.get(Agency, member.agency_id)
    if agency is None:
        raise NotFound(f"agency {member.agency_id} not found")
    _check_draft(session, agency=agency, draft=draft, limits=limits, now=now or utcnow())


def create_request(
    session: Session,
    *,
    member: User,
    draft: RequestDraft,
    limits: RequestLimits,
    now: datetime | None = None,
) -> FootageRequest:
    """File a request if it keeps every limit, log it, and deliver it to matching homes."""
    assert member.agency_id is not None  # the users table guarantees it for members
    now = now or utcnow()
    agency = _lock_agency(session, member.agency_id)
    _check_draft(session, agency=agency, draft=draft, limits=limits, now=now)
    row = FootageRequest(
        agency_id=agency.id,
        created_by=member.id,
        created_at=now,
        investigation_code=draft.investigation_code,
        category=draft.category,
        details=draft.details,
        area=json.dumps(to_geojson(draft.area.polygon)),
        area_m2=draft.area.area_m2,
        latitude=draft.area.latitude,
        longitude=draft.area.longitude,
        coarse_cells=",".join(coarse_cells(draft.area)),
        window_start=draft.window_start,
        window_end=draft.window_end,
        open_until=draft.open_until,
        retention_days=draft.retention_days,
        emergency=draft.emergency,
        emergency_reason=draft.emergency_reason if draft.emergency else None,
    )
    session.add(row)
    session.flush()
    row.audit_index = append_entry(
        session,
        action=REQUEST_CREATED,
        actor=actor_of(session, member),
        objects={
            REQUEST_ID: str(row.id),
            CATEGORY: row.category,
            EMERGENCY: row.emergency,
            "investigation_code": row.investigation_code,
            "area_km2": area_km2_text(row.area_m2),
            "window_start": row.window_start.isoformat(),
            "window_end": row.window_end.isoformat(),
        },
        at=now,
    )
    deliver(session, request=row, agency=agency, now=now)
    return row


def agency_requests(session: Session, *, member: User) -> list[FootageRequest]:
    return list(
        session.scalars(
            select(FootageRequest)
            .where(FootageRequest.agency_id == member.agency_id)
            .order_by(FootageRequest.created_at.desc(), FootageRequest.id)
        )
    )


def agency_request(session: Session, *, member: User, request_id: uuid.UUID) -> FootageRequest:
    """One of the member's agency's requests; another agency's is NotFound like a missing one."""
    row = session.get(FootageRequest, request_id)
    if row is None or row.agency_id != member.agency_id:
        raise NotFound(f"request {request_id} not found")
    return row


def withdraw_request(session: Session, *, member: User, request_id: uuid.UUID) -> FootageRequest:
    row = agency_request(session, member=member, request_id=request_id)
    if effective_status(row) != RequestStatus.OPEN:
        raise Conflict(f"request {request_id} is {effective_status(row).value}, not open")
    row.status, row.withdrawn_at = RequestStatus.WITHDRAWN, utcnow()
    append_entry(
        session,
        action="request.withdrawn",
        actor=actor_of(session, member),
        objects={REQUEST_ID: str(row.id)},
    )
    return row


def clips_shared(session: Session, request_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many clips were shared with each request, ever: the only answer agencies see."""
    if not request_ids:
        return {}
    rows = session.execute(
        select(Share.request_id, func.count())
        .join(SharedClip, SharedClip.share_id == Share.id)
        .where(Share.request_id.in_(request_ids))
        .group_by(Share.request_id)
    ).all()
    counts = {request_id: int(count) for request_id, count in rows}
    return {request_id: counts.get(request_id, 0) for request_id in request_ids}
