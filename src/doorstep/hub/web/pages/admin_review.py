"""An admin's review pages: the flag queue, legal demands (listed and recorded), users.

Reviewing a flag publishes its note in the audit log; recording a demand goes through
``DemandCreate`` and ``demands.service.record_demand`` as ``POST /v1/admin/demands`` does;
listing users is itself on the record (``accounts.listed``), as it is through the JSON API.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from doorstep.errors import InvalidInput, NotFound
from doorstep.hub.accounts import admin_service
from doorstep.hub.db import utcnow
from doorstep.hub.demands import service as demands
from doorstep.hub.demands.models import DemandKind
from doorstep.hub.demands.schemas import DemandCreate
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.requests import public
from doorstep.hub.requests.models import RequestFlag
from doorstep.hub.requests.schemas import FlagReview
from doorstep.hub.web.auth import PageAdmin, PageCsrf
from doorstep.hub.web.pages.admin import done_text, form_values, schema_errors
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

# What a finished action says on the page it returns to (?done=<key>; only these texts).
DONE = {
    "reviewed": "Review recorded; its note is published in the audit log.",
    "unlocked": "Account unlocked: its failed sign-ins are forgotten.",
    "recorded": "Demand recorded. Its home's owners were notified now.",
    "delayed": "Demand recorded. Its home's owners see the notice only when the court-ordered "
    "delay ends, at the time in the Owners' notice column; until then nothing tells them.",
}
DEMAND_FIELDS = (
    "authority",
    "kind",
    "reference",
    "document_sha256",
    "home_id",
    "camera_id",
    "window_start",
    "window_end",
    "notice_delayed_until",
    "notes",
)
DEMAND_TIMES = ("window_start", "window_end", "notice_delayed_until")
# What the schema asks of each field, said when a value breaks it.
DEMAND_RULES = {
    "authority": "the court or authority that issued it, 1 to 200 characters",
    "kind": "one of warrant, subpoena, court order or other",
    "reference": "the case or docket number, 1 to 200 characters",
    "document_sha256": "the document's SHA-256, 64 hex digits",
    "home_id": "the home's id (a UUID)",
    "camera_id": "a camera's id (a UUID), or empty for every camera of the home",
    "window_start": "a date and time (UTC)",
    "window_end": "a date and time (UTC)",
    "notice_delayed_until": "a date and time (UTC), or empty to notify the owners now",
    "notes": "at most 5000 characters",
}


def _flag_rows(session: SessionDep, flags: list[RequestFlag]) -> list[dict[str, Any]]:
    rows = []
    for flag in flags:
        try:
            logged = public.logged_request(session, flag.request_id)
        except NotFound:  # the request is gone with its agency: the flag stays on record
            logged = None
        rows.append({"flag": flag, "request": logged})
    return rows


def _flags_context(session: SessionDep, errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "open": _flag_rows(session, public.open_flags(session)),
        "reviewed": _flag_rows(session, public.reviewed_flags(session)),
        "errors": errors or {},
        "done": None,
    }


@router.get("/admin/flags")
def flags_page(request: Request, admin: PageAdmin, session: SessionDep) -> HTMLResponse:
    done = done_text(request, DONE)
    return render(request, "admin/flags.html", _flags_context(session) | {"done": done})


@router.post("/admin/flags/{flag_id}/review", response_model=None)
async def review_flag(
    request: Request, flag_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    """Uphold (the request is withdrawn) or dismiss; the note is published either way."""
    values = await form_values(request, ("outcome", "note"))
    outcome = values["outcome"]
    try:
        body = FlagReview.model_validate({"withdraw": outcome == "uphold", "note": values["note"]})
    except ValidationError:
        errors = {str(flag_id): "note: write the note to publish, 1 to 2000 characters"}
        return render(request, "admin/flags.html", _flags_context(session, errors), 422)
    if outcome not in {"uphold", "dismiss"}:
        errors = {str(flag_id): "outcome: choose uphold or dismiss"}
        return render(request, "admin/flags.html", _flags_context(session, errors), 422)
    public.review_flag(
        session, admin=admin, flag_id=flag_id, withdraw=body.withdraw, note=body.note
    )
    return RedirectResponse("/admin/flags?done=reviewed", status_code=303)


def _demands_context(
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> dict[str, Any]:
    rows = demands.list_demands(session)
    notices = demands.notices_of(session, [row.id for row in rows])
    now = utcnow()
    return {
        "demands": [
            {
                "demand": row,
                "notices": len(notices[row.id]),
                "notified": sum(1 for n in notices[row.id] if n.notified_at is not None),
                "delayed": row.notice_delayed_until is not None and row.notice_delayed_until > now,
            }
            for row in rows
        ],
        "kinds": [kind.value for kind in DemandKind],
        "values": values or dict.fromkeys(DEMAND_FIELDS, ""),
        "errors": errors or {},
        "done": done,
    }


def _demand_body(values: dict[str, str]) -> dict[str, object]:
    """The form as ``DemandCreate`` reads it: empty optional fields left out, times in UTC."""
    body: dict[str, object] = {name: value for name, value in values.items() if value}
    for name in DEMAND_TIMES:
        if name in body:
            body[name] = _utc(values[name])
    return body


def _utc(text: str) -> str:
    """A ``datetime-local`` value (no zone) read as UTC; anything else is the schema's to judge."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


@router.get("/admin/demands")
def demands_page(request: Request, admin: PageAdmin, session: SessionDep) -> HTMLResponse:
    done = done_text(request, DONE)
    return render(request, "admin/demands.html", _demands_context(session, done=done))


@router.post("/admin/demands", response_model=None)
async def record_demand(
    request: Request, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    """Record a demand through the API's schema and service; refused, the form keeps its values."""
    values = await form_values(request, DEMAND_FIELDS)
    try:
        body = DemandCreate.model_validate(_demand_body(values))
        demand = demands.record_demand(session, admin=admin, **body.model_dump())
    except ValidationError as exc:
        errors = schema_errors(exc, DEMAND_RULES)
    except InvalidInput as exc:
        errors = {(exc.field or "form").split(".")[0]: exc.detail}
    else:
        done = "delayed" if demand.notice_delayed_until is not None else "recorded"
        return RedirectResponse(f"/admin/demands?done={done}#demand-{demand.id}", status_code=303)
    context = _demands_context(session, values=values, errors=errors)
    return render(request, "admin/demands.html", context, status_code=422)


@router.get("/admin/users")
def users_page(
    request: Request, admin: PageAdmin, session: SessionDep, state: StateDep
) -> HTMLResponse:
    users = admin_service.list_users(session, actor=admin)
    locked = admin_service.locked_out(session, settings=state.settings, users=users, now=utcnow())
    return render(
        request,
        "admin/users.html",
        {
            "users": users,
            "locked": locked,
            "settings": state.settings,
            "done": done_text(request, DONE),
        },
    )


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(
    user_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    admin_service.unlock_user(session, actor=admin, user_id=user_id)
    return RedirectResponse(f"/admin/users?done=unlocked#user-{user_id}", status_code=303)
