"""An agency member's pages: its requests, one request, the shares it received, its members.

What an agency sees of the answers is what the JSON API gives it: counts of clips shared
and the shares themselves (expiry, package), never who was asked, who declined or who
answered. The composer is in agency_compose.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from doorstep.crypto.safety import agency_fingerprint
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies import service as agencies
from doorstep.hub.agencies.models import Agency
from doorstep.hub.db import utcnow
from doorstep.hub.deps import RequestLimitsDep, SessionDep
from doorstep.hub.requests import service as requests
from doorstep.hub.requests.budgets import agency_budgets
from doorstep.hub.requests.geometry import area_km2_text
from doorstep.hub.requests.models import FootageRequest, RequestStatus
from doorstep.hub.requests.policy import duration_text
from doorstep.hub.shares import service as shares
from doorstep.hub.shares import views
from doorstep.hub.web.auth import PageAgencyMember, PageCsrf
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)


def _agency(session: SessionDep, member: User) -> Agency:
    assert member.agency_id is not None  # the users table guarantees it for members
    return agencies.get_agency(session, agency_id=member.agency_id)


def _key(agency: Agency) -> dict[str, Any]:
    """The agency key as its members check it: fingerprint, and the log entry publishing it."""
    if agency.public_key is None:
        return {"fingerprint": None, "key_id": None, "entry": None}
    return {
        "fingerprint": agency_fingerprint(agency.public_key),
        "key_id": agency.key_id,
        "entry": agency.key_audit_index,
    }


def _rows(session: SessionDep, rows: list[FootageRequest]) -> list[dict[str, Any]]:
    shared = requests.clips_shared(session, [row.id for row in rows])
    now = utcnow()
    return [
        {
            "request": row,
            "status": requests.effective_status(row, now).value,
            "clips_shared": shared[row.id],
            "area": area_km2_text(row.area_m2),
        }
        for row in rows
    ]


@router.get("/agency")
def agency_home(
    request: Request, member: PageAgencyMember, session: SessionDep, limits: RequestLimitsDep
) -> HTMLResponse:
    agency = _agency(session, member)
    codes, overall = agency_budgets(session, agency_id=agency.id, limits=limits, now=utcnow())
    return render(
        request,
        "agency/home.html",
        {
            "agency": agency,
            "key": _key(agency),
            "requests": _rows(session, requests.agency_requests(session, member=member)),
            "codes": codes,
            "overall": overall,
            "limits": limits,
            "period": duration_text(limits.agency_period),
            "km2": area_km2_text,
        },
    )


@router.get("/agency/requests/{request_id}")
def agency_request(
    request: Request, request_id: uuid.UUID, member: PageAgencyMember, session: SessionDep
) -> HTMLResponse:
    row = requests.agency_request(session, member=member, request_id=request_id)
    received = shares.agency_shares(session, member=member, request_id=row.id)
    [shown] = _rows(session, [row])
    return render(
        request,
        "agency/request.html",
        {
            "shown": shown,
            "shares": [views.for_agency(session, share) for share in received],
            "open": shown["status"] == RequestStatus.OPEN.value,
            "now": utcnow(),
        },
    )


@router.post("/agency/requests/{request_id}/withdraw")
def withdraw_request(
    request_id: uuid.UUID, member: PageAgencyMember, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    requests.withdraw_request(session, member=member, request_id=request_id)
    return RedirectResponse(f"/agency/requests/{request_id}", status_code=303)


@router.get("/agency/shares")
def agency_shares(request: Request, member: PageAgencyMember, session: SessionDep) -> HTMLResponse:
    received = shares.agency_shares(session, member=member)
    codes = {
        row.id: row.investigation_code for row in requests.agency_requests(session, member=member)
    }
    return render(
        request,
        "agency/shares.html",
        {
            "shares": [views.for_agency(session, share) for share in reversed(received)],
            "codes": codes,
            "now": utcnow(),
        },
    )


@router.get("/agency/members")
def agency_members(request: Request, member: PageAgencyMember, session: SessionDep) -> HTMLResponse:
    agency = _agency(session, member)
    return render(
        request,
        "agency/members.html",
        {
            "agency": agency,
            "members": agencies.list_members(session, agency_id=agency.id),
            "me": member.id,
        },
    )
