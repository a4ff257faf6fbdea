"""The public request log (JSON and CSV), the agencies and the limits; flags and reviews."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from doorstep.crypto.safety import agency_fingerprint
from doorstep.hub.agencies.service import agency_key_proof
from doorstep.hub.deps import (
    CurrentAdmin,
    CurrentResident,
    RequestLimitsDep,
    SessionDep,
    StateDep,
)
from doorstep.hub.params import Offset, PageLimit
from doorstep.hub.requests import public
from doorstep.hub.requests.purpose import PURPOSE_ATTESTATION, PURPOSE_RULES, IncidentCategory
from doorstep.hub.requests.schemas import (
    AgencyListed,
    FlagCreate,
    FlagPublic,
    FlagReview,
    LoggedRequestPublic,
    PublicLimits,
    PurposeRulePublic,
    RequestLogPage,
)
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["public log"])

AgencyFilter = Annotated[uuid.UUID | None, Query(description="Only this agency's requests.")]


@router.get("/requests")
def request_log(
    session: SessionDep, offset: Offset = 0, limit: PageLimit = 50, agency_id: AgencyFilter = None
) -> RequestLogPage:
    """Every request, newest first, with the number of clips shared; no sign-in needed."""
    logged, total = public.request_log(session, offset=offset, limit=limit, agency_id=agency_id)
    return RequestLogPage(
        data=[LoggedRequestPublic.model_validate(row) for row in logged],
        count=len(logged),
        total=total,
        offset=offset,
        limit=limit,
    )


@router.get("/requests.csv", response_class=Response)
def request_log_csv(
    session: SessionDep, offset: Offset = 0, limit: PageLimit = 500, agency_id: AgencyFilter = None
) -> Response:
    logged, _ = public.request_log(session, offset=offset, limit=limit, agency_id=agency_id)
    return Response(
        public.request_log_csv(logged),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="doorstep-requests.csv"'},
    )


@router.get("/requests/limits")
def request_limits(limits: RequestLimitsDep) -> PublicLimits:
    """The limits every request must keep (this hub's, maybe tightened), the incident
    categories, the purpose attestation and the purpose screen's rules."""
    return PublicLimits(
        limits=limits.public(),
        categories=[category.value for category in IncidentCategory],
        purpose_attestation=PURPOSE_ATTESTATION,
        purpose_rules=[PurposeRulePublic.model_validate(rule.public()) for rule in PURPOSE_RULES],
    )


@router.get("/requests/{request_id}")
def logged_request(request_id: uuid.UUID, session: SessionDep) -> LoggedRequestPublic:
    return LoggedRequestPublic.model_validate(public.logged_request(session, request_id))


@router.get("/agencies")
def agencies(session: SessionDep, state: StateDep, limits: RequestLimitsDep) -> Page[AgencyListed]:
    """Participating agencies, each with its key's fingerprint and its use of the budget."""
    rows = public.agencies_with_budget(session, limits)
    return Page(
        data=[
            AgencyListed(
                id=row.agency.id,
                name=row.agency.name,
                kind=row.agency.kind,
                verified=row.agency.verified_at is not None,
                suspended=row.agency.suspended_at is not None,
                jurisdiction=json.loads(row.agency.jurisdiction)
                if row.agency.jurisdiction
                else None,
                key_fingerprint=agency_fingerprint(row.agency.public_key)
                if row.agency.public_key
                else None,
                public_key=row.agency.public_key,
                proof=agency_key_proof(session, state, row.agency),
                requests_in_period=row.requests_in_period,
                request_budget=limits.agency_max_requests,
                budget_period_days=limits.agency_period.days,
            )
            for row in rows
        ],
        count=len(rows),
    )


@router.post("/requests/{request_id}/flags", status_code=status.HTTP_201_CREATED)
def flag_request(
    request_id: uuid.UUID, body: FlagCreate, user: CurrentResident, session: SessionDep
) -> FlagPublic:
    """Report a request that breaks the purpose rules; an admin reviews it."""
    flag = public.flag_request(session, user=user, request_id=request_id, reason=body.reason)
    return FlagPublic.model_validate(flag)


@router.get("/admin/flags")
def open_flags(admin: CurrentAdmin, session: SessionDep) -> Page[FlagPublic]:
    flags = public.open_flags(session)
    return Page(data=[FlagPublic.model_validate(flag) for flag in flags], count=len(flags))


@router.post("/admin/flags/{flag_id}/review")
def review_flag(
    flag_id: uuid.UUID, body: FlagReview, admin: CurrentAdmin, session: SessionDep
) -> FlagPublic:
    """Withdraw the request (marked so in the public log) or dismiss the flag."""
    flag = public.review_flag(
        session, admin=admin, flag_id=flag_id, withdraw=body.withdraw, note=body.note
    )
    return FlagPublic.model_validate(flag)
