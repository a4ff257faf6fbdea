"""An admin's pages: system health, and the agencies (create, verify, suspend, members).

Each form posts to a page route that calls the same service as the JSON API; every one
of those actions is on the audit log under the admin's name. The flag review queue,
legal demands and users are in admin_review.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from anyio import from_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from doorstep.crypto.safety import agency_fingerprint
from doorstep.errors import Conflict, InvalidInput
from doorstep.hub.agencies import service as agencies
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.schemas import AgencyCreate, AgencyMemberCreate, AgencySuspend
from doorstep.hub.db import utcnow
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.health.checks import OK, checkpoint_age, readiness, system_counts
from doorstep.hub.web.auth import PageAdmin, PageCsrf
from doorstep.hub.web.pages.form_errors import first_problems
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

# What a finished action says on the page it returns to (?done=<key>; only these texts).
DONE = {
    "created": "Agency created. Check who it is, then verify it.",
    "verified": "Agency verified: it can file requests.",
    "suspended": "Agency suspended: it can't file requests until reinstated.",
    "reinstated": "Agency reinstated.",
}
AGENCY_FIELDS = ("name", "kind", "contact_email", "jurisdiction_drawn", "jurisdiction_geojson")


@router.get("/admin")
def overview(
    request: Request, admin: PageAdmin, session: SessionDep, state: StateDep
) -> HTMLResponse:
    checks = from_thread.run(readiness, state)
    now = utcnow()
    return render(
        request,
        "admin/overview.html",
        {
            "checks": checks,
            "ready": all(value == OK for value in checks.values()),
            "checkpoint": checkpoint_age(session, now),
            "counts": system_counts(session, now),
        },
    )


async def form_values(request: Request, names: Iterable[str]) -> dict[str, str]:
    """The named fields of the posted form, trimmed; a missing one is empty."""
    form = await request.form()
    return {name: str(form.get(name) or "").strip() for name in names}


def done_text(request: Request, texts: Mapping[str, str]) -> str | None:
    """What a finished action says on the page it returned to (``?done=<key>``)."""
    return texts.get(request.query_params.get("done", ""))


def schema_errors(exc: ValidationError, rules: Mapping[str, str] | None = None) -> dict[str, str]:
    """The first problem with each form field, naming the field and, where known, its rule."""
    return {
        name: f"{name}: {(rules or {}).get(name) or problem['msg']}"
        for name, problem in first_problems(exc).items()
    }


def _agencies_context(
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    password: dict[str, str] | None = None,
) -> dict[str, Any]:
    rows = agencies.list_agencies(session)
    return {
        "agencies": [
            {
                "agency": agency,
                "fingerprint": agency_fingerprint(agency.public_key) if agency.public_key else None,
                "members": agencies.list_members(session, agency_id=agency.id),
            }
            for agency in rows
        ],
        "kinds": [kind.value for kind in AgencyKind],
        "values": values or dict.fromkeys(AGENCY_FIELDS, ""),
        "errors": errors or {},
        "notice": notice,
        "password": password,
        "done": None,
    }


def _jurisdiction(values: dict[str, str]) -> dict[str, Any]:
    """The jurisdiction as GeoJSON: pasted, or drawn on the map (``{"polygon": ...}``)."""
    text = values["jurisdiction_geojson"] or values["jurisdiction_drawn"]
    if not text:
        raise InvalidInput(
            "jurisdiction: draw it on the map or paste GeoJSON", field="jurisdiction"
        )
    try:
        shape = json.loads(text)
    except ValueError as exc:
        raise InvalidInput("jurisdiction: not JSON", field="jurisdiction") from exc
    if not isinstance(shape, dict):
        raise InvalidInput("jurisdiction: expected a GeoJSON object", field="jurisdiction")
    drawn = shape.get("polygon")
    # create_agency checks it as any jurisdiction (parse_jurisdiction).
    return drawn if isinstance(drawn, dict) else shape


@router.get("/admin/agencies")
def agencies_page(request: Request, admin: PageAdmin, session: SessionDep) -> HTMLResponse:
    done = done_text(request, DONE)
    return render(request, "admin/agencies.html", _agencies_context(session) | {"done": done})


@router.post("/admin/agencies", response_model=None)
async def create_agency(
    request: Request, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    values = await form_values(request, AGENCY_FIELDS)
    errors: dict[str, str] = {}
    try:
        body = AgencyCreate.model_validate(
            {
                "name": values["name"],
                "kind": values["kind"],
                "contact_email": values["contact_email"],
                "jurisdiction": _jurisdiction(values),
            }
        )
        agencies.create_agency(session, actor=admin, **body.model_dump())
    except ValidationError as exc:
        errors = schema_errors(exc)
    except (InvalidInput, Conflict) as exc:
        name = getattr(exc, "field", None) or "name"
        errors[name.split(".")[0]] = exc.detail
    if errors:
        context = _agencies_context(session, values=values, errors=errors)
        return render(request, "admin/agencies.html", context, status_code=422)
    return RedirectResponse("/admin/agencies?done=created", status_code=303)


@router.post("/admin/agencies/{agency_id}/verify")
def verify_agency(
    agency_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    agencies.verify_agency(session, actor=admin, agency_id=agency_id)
    return RedirectResponse(f"/admin/agencies?done=verified#agency-{agency_id}", status_code=303)


@router.post("/admin/agencies/{agency_id}/suspend", response_model=None)
async def suspend_agency(
    request: Request, agency_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    try:
        body = AgencySuspend.model_validate(await form_values(request, ("reason",)))
    except ValidationError:
        errors = {f"reason-{agency_id}": "reason: give the reason, 1 to 500 characters"}
        context = _agencies_context(session, errors=errors)
        return render(request, "admin/agencies.html", context, status_code=422)
    agencies.suspend_agency(session, actor=admin, agency_id=agency_id, reason=body.reason)
    return RedirectResponse(f"/admin/agencies?done=suspended#agency-{agency_id}", status_code=303)


@router.post("/admin/agencies/{agency_id}/reinstate")
def reinstate_agency(
    agency_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    agencies.reinstate_agency(session, actor=admin, agency_id=agency_id)
    return RedirectResponse(f"/admin/agencies?done=reinstated#agency-{agency_id}", status_code=303)


@router.post("/admin/agencies/{agency_id}/members")
async def add_member(
    request: Request,
    agency_id: uuid.UUID,
    admin: PageAdmin,
    session: SessionDep,
    state: StateDep,
    _: PageCsrf,
) -> HTMLResponse:
    """Add a member; the one-time password is shown on this answer only, never again."""
    values = await form_values(request, ("email", "display_name"))
    key = f"member-{agency_id}"
    try:
        body = AgencyMemberCreate.model_validate(values)
        user, password = agencies.add_agency_member(
            session, actor=admin, settings=state.settings, agency_id=agency_id, **body.model_dump()
        )
    except ValidationError as exc:
        names = ", ".join(str(error["loc"][0]) for error in exc.errors() if error["loc"])
        detail = f"{names}: give a valid email and a name of 1 to 100 characters"
        context = _agencies_context(session, errors={key: detail})
        return render(request, "admin/agencies.html", context, status_code=422)
    except (InvalidInput, Conflict) as exc:
        context = _agencies_context(session, errors={key: exc.detail})
        return render(request, "admin/agencies.html", context, status_code=422)
    shown = {"agency_id": str(agency_id), "email": user.email, "password": password}
    return render(
        request,
        "admin/agencies.html",
        _agencies_context(session, password=shown),
        headers={"Cache-Control": "no-store"},
    )
