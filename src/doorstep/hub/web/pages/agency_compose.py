"""The request composer: every limit shown beside its field, checked as the member draws.

``POST /agency/requests/check`` (htmx, on every change) and ``POST /agency/requests/new``
(the form's submit) read the form the same way (compose_form.py) and hand the draft to
the requests service: ``check_draft`` for the live check, ``create_request`` to file.
Both run ``policy.check_request``, the one place the limits are enforced, so what the
live check refuses is exactly what filing refuses, with the same words naming the limit.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.errors import DoorstepError, InvalidInput, PermissionDenied
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies.service import get_agency
from doorstep.hub.db import utcnow
from doorstep.hub.deps import RequestLimitsDep, SessionDep
from doorstep.hub.requests import service
from doorstep.hub.requests.budgets import code_budget
from doorstep.hub.requests.geometry import area_km2_text, from_geojson_text
from doorstep.hub.requests.policy import LIMIT_NAMES, RequestLimits, duration_text
from doorstep.hub.requests.purpose import PURPOSE_ATTESTATION, IncidentCategory
from doorstep.hub.web.auth import PageAgencyMember, PageCsrf
from doorstep.hub.web.pages.compose_form import (
    FIELDS,
    SLOT_NAMES,
    Composed,
    compose,
    read_values,
    refusal,
)
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)


def limit_texts(limits: RequestLimits) -> dict[str, str]:
    """Each field's limits in words, shown beside it before anything is typed."""
    radius = math.sqrt(limits.max_area_m2 / math.pi)
    return {
        "location": f"The {LIMIT_NAMES['max_area_m2']} is {area_km2_text(limits.max_area_m2)} "
        f"(a circle of about {radius:.0f} m radius), wholly inside your jurisdiction.",
        "window": f"Between {duration_text(limits.min_window)} and "
        f"{duration_text(limits.max_window)} long, starting at most "
        f"{duration_text(limits.max_incident_age)} ago and ended before now. "
        "Times are UTC, to the second.",
        "investigation_code": f"The {LIMIT_NAMES['code_max_requests']} is "
        f"{limits.code_max_requests}, and the {LIMIT_NAMES['code_max_area_m2']} is "
        f"{area_km2_text(limits.code_max_area_m2)}; withdrawn requests count too.",
        "agency": f"The {LIMIT_NAMES['agency_max_requests']} is {limits.agency_max_requests} "
        f"per {duration_text(limits.agency_period)}.",
        "retention_days": f"1 to {limits.max_retention_days} days "
        f"(the {LIMIT_NAMES['max_retention_days']}); empty means {limits.max_retention_days}.",
    }


def _blank() -> dict[str, str]:
    return dict.fromkeys(FIELDS, "")


def _check(
    session: SessionDep, member: User, values: dict[str, str], limits: RequestLimits, *, live: bool
) -> tuple[Composed, datetime]:
    """Read the form and run the policy on it; a refusal lands next to its field."""
    assert member.agency_id is not None  # the users table guarantees it for members
    agency = get_agency(session, agency_id=member.agency_id)
    jurisdiction = from_geojson_text(agency.jurisdiction) if agency.jurisdiction else None
    now = utcnow()
    composed = compose(values, live=live, limits=limits, now=now, jurisdiction=jurisdiction)
    if composed.draft is not None:
        try:
            service.check_draft(
                session, member=member, draft=composed.draft, limits=limits, now=now
            )
        except (InvalidInput, PermissionDenied) as exc:
            refusal(composed, exc)
    return composed, now


def _context(
    session: SessionDep,
    member: User,
    composed: Composed,
    limits: RequestLimits,
    now: datetime,
    *,
    checked: bool,
) -> dict[str, Any]:
    assert member.agency_id is not None
    agency = get_agency(session, agency_id=member.agency_id)
    inside = (
        from_geojson_text(agency.jurisdiction).representative_point()
        if agency.jurisdiction
        else None
    )
    budget, overall = code_budget(
        session, agency_id=member.agency_id, code=composed.code or "", limits=limits, now=now
    )
    return {
        "values": composed.values,
        "errors": composed.errors,
        "missing": composed.missing,
        "checked": checked,
        "area": area_km2_text(composed.area.area_m2) if composed.area else None,
        "code_budget": budget if composed.code else None,
        "overall": overall,
        "limits": limits,
        "limit_texts": limit_texts(limits),
        "categories": [category.value for category in IncidentCategory],
        "attestation": PURPOSE_ATTESTATION,
        "km2": area_km2_text,
        "period": duration_text(limits.agency_period),
        "max_area_km2": f"{limits.max_area_m2 / 1_000_000:g}",
        # Where the map opens: a point inside the agency's jurisdiction, as [lat, lon].
        "center": json.dumps([inside.y, inside.x]) if inside is not None else None,
    }


@router.get("/agency/requests/new")
def composer(
    request: Request, member: PageAgencyMember, session: SessionDep, limits: RequestLimitsDep
) -> HTMLResponse:
    composed = Composed(values=_blank())
    context = _context(session, member, composed, limits, utcnow(), checked=False)
    return render(request, "agency/compose.html", context)


@router.post("/agency/requests/check")
async def check(
    request: Request,
    member: PageAgencyMember,
    session: SessionDep,
    limits: RequestLimitsDep,
    _: PageCsrf,
) -> HTMLResponse:
    """The live check: the limits' state as the form stands, as an htmx fragment."""
    values = read_values(await request.form())
    composed, now = _check(session, member, values, limits, live=True)
    context = _context(session, member, composed, limits, now, checked=True)
    return render(request, "agency/_check.html", context | {"slots": SLOT_NAMES})


@router.post("/agency/requests/new", response_model=None)
async def file_request(
    request: Request,
    member: PageAgencyMember,
    session: SessionDep,
    limits: RequestLimitsDep,
    _: PageCsrf,
) -> Response:
    """File the request through the same service as the API; a refusal is a 422 page."""
    values = read_values(await request.form())
    composed, now = _check(session, member, values, limits, live=False)
    if composed.draft is not None and not composed.errors:
        try:
            row = service.create_request(
                session, member=member, draft=composed.draft, limits=limits, now=now
            )
        except DoorstepError as exc:
            if not isinstance(exc, InvalidInput | PermissionDenied):
                raise
            refusal(composed, exc)
        else:
            return RedirectResponse(f"/agency/requests/{row.id}", status_code=303)
    context = _context(session, member, composed, limits, now, checked=True)
    return render(request, "agency/compose.html", context, status_code=422)
