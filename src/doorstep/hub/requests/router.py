"""An agency's own requests: file one, list them, read one, withdraw one.

An agency sees of the answers only the number of clips shared: nothing here reads a
delivery, a decline or a home's settings.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from doorstep.hub.db import utcnow
from doorstep.hub.deps import CurrentAgencyMember, RequestLimitsDep, SessionDep
from doorstep.hub.requests import service
from doorstep.hub.requests.geometry import RequestArea, circle_area, polygon_area
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.requests.schemas import RequestCreate, RequestForAgency, RequestLocation
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1/agency/requests", tags=["requests"])


def area_of(location: RequestLocation) -> RequestArea:
    if location.circle is not None:
        circle = location.circle
        return circle_area(circle.latitude, circle.longitude, circle.radius_m)
    assert location.polygon is not None  # the schema demands exactly one
    return polygon_area(location.polygon, "location.polygon")


def _for_agency(rows: list[FootageRequest], session: SessionDep) -> list[RequestForAgency]:
    shared = service.clips_shared(session, [row.id for row in rows])
    now = utcnow()
    views = []
    for row in rows:
        fields = {
            name: getattr(row, name)
            for name in RequestForAgency.model_fields
            if name not in {"status", "clips_shared"}
        }
        views.append(
            RequestForAgency.model_validate(
                {
                    **fields,
                    "status": service.effective_status(row, now),
                    "clips_shared": shared[row.id],
                }
            )
        )
    return views


@router.post("", status_code=status.HTTP_201_CREATED)
def create_request(
    body: RequestCreate,
    member: CurrentAgencyMember,
    session: SessionDep,
    limits: RequestLimitsDep,
) -> RequestForAgency:
    """File a request; a request outside any limit is refused with a 422 naming it."""
    now = utcnow()
    row = service.create_request(
        session,
        member=member,
        draft=service.RequestDraft(
            investigation_code=body.investigation_code,
            category=body.category,
            details=body.details,
            area=area_of(body.location),
            window_start=body.window_start,
            window_end=body.window_end,
            open_until=body.open_until or now + limits.max_open,
            retention_days=limits.max_retention_days
            if body.retention_days is None
            else body.retention_days,
            attested=body.attests_purpose,
            emergency=body.emergency,
            emergency_reason=body.emergency_reason,
        ),
        limits=limits,
        now=now,
    )
    return _for_agency([row], session)[0]


@router.get("")
def list_requests(member: CurrentAgencyMember, session: SessionDep) -> Page[RequestForAgency]:
    rows = service.agency_requests(session, member=member)
    return Page(data=_for_agency(rows, session), count=len(rows))


@router.get("/{request_id}")
def get_request(
    request_id: uuid.UUID, member: CurrentAgencyMember, session: SessionDep
) -> RequestForAgency:
    row = service.agency_request(session, member=member, request_id=request_id)
    return _for_agency([row], session)[0]


@router.post("/{request_id}/withdraw")
def withdraw_request(
    request_id: uuid.UUID, member: CurrentAgencyMember, session: SessionDep
) -> RequestForAgency:
    row = service.withdraw_request(session, member=member, request_id=request_id)
    return _for_agency([row], session)[0]
