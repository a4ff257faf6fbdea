"""An admin's review pages: the flag queue, legal demands and their notice delays, users.

Reviewing a flag publishes its note in the audit log; listing users is itself on the
record (``accounts.listed``), as it is through the JSON API.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from doorstep.errors import NotFound
from doorstep.hub.accounts import admin_service
from doorstep.hub.db import utcnow
from doorstep.hub.demands import service as demands
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.requests import public
from doorstep.hub.requests.models import RequestFlag
from doorstep.hub.requests.schemas import FlagReview
from doorstep.hub.web.auth import PageAdmin, PageCsrf
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

# What a finished action says on the page it returns to (?done=<key>; only these texts).
DONE = {
    "reviewed": "Review recorded; its note is published in the audit log.",
    "unlocked": "Account unlocked: its failed sign-ins are forgotten.",
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
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "admin/flags.html", _flags_context(session) | {"done": done})


@router.post("/admin/flags/{flag_id}/review", response_model=None)
async def review_flag(
    request: Request, flag_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    """Uphold (the request is withdrawn) or dismiss; the note is published either way."""
    form = await request.form()
    outcome = str(form.get("outcome") or "")
    try:
        body = FlagReview.model_validate(
            {"withdraw": outcome == "uphold", "note": str(form.get("note") or "").strip()}
        )
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


@router.get("/admin/demands")
def demands_page(request: Request, admin: PageAdmin, session: SessionDep) -> HTMLResponse:
    rows = demands.list_demands(session)
    notices = demands.notices_of(session, [row.id for row in rows])
    now = utcnow()
    return render(
        request,
        "admin/demands.html",
        {
            "demands": [
                {
                    "demand": row,
                    "notices": len(notices[row.id]),
                    "notified": sum(1 for n in notices[row.id] if n.notified_at is not None),
                    "delayed": row.notice_delayed_until is not None
                    and row.notice_delayed_until > now,
                }
                for row in rows
            ],
        },
    )


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
            "done": DONE.get(request.query_params.get("done", "")),
        },
    )


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(
    user_id: uuid.UUID, admin: PageAdmin, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    admin_service.unlock_user(session, actor=admin, user_id=user_id)
    return RedirectResponse(f"/admin/users?done=unlocked#user-{user_id}", status_code=303)
