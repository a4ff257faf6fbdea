"""A home's settings page, for its owners: retention, cameras, members, audio, requests.

Each form posts (htmx, or a plain form without JavaScript) to its own route, which
checks the input with the JSON API's own schemas and calls the same services. Bad input
is a 422 with the form again and the message next to the field, naming the limit; a
save is announced in the page's status region (an htmx out-of-band swap).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from doorstep.errors import InvalidInput
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.deps import SessionDep
from doorstep.hub.homes import service as homes
from doorstep.hub.homes.models import Home
from doorstep.hub.homes.schemas import HomeUpdate
from doorstep.hub.requests import preferences
from doorstep.hub.requests.schemas import RequestSettingsBody
from doorstep.hub.web.auth import PageCsrf, PageResident
from doorstep.hub.web.pages.form_errors import first_problems
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

FORMS = ("retention", "audio", "requests")
KIND_LABELS = {
    AgencyKind.POLICE: "Police",
    AgencyKind.FIRE: "Fire services",
    AgencyKind.PUBLIC_HEALTH: "Public health",
    AgencyKind.ANIMAL_SERVICES: "Animal services",
    AgencyKind.OTHER: "Other agencies",
}
# What each schema's limit means, said next to the field.
FIELD_LIMITS = {
    "retention_days": "Keep clips 1 to 365 days (a whole number).",
    "quiet_start": "Give a time as HH:MM, 00:00 to 23:59.",
    "quiet_end": "Give a time as HH:MM, 00:00 to 23:59.",
    "time_zone": "An IANA time zone such as Europe/Berlin, at most 64 characters.",
}


def _clock(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def field_errors(exc: ValidationError, limits: Mapping[str, str] = FIELD_LIMITS) -> dict[str, str]:
    """The first problem with each form field, followed by its limit where ``limits`` has one."""
    return {
        name: f"{problem['msg']}. {limits.get(name, '')}".strip()
        for name, problem in first_problems(exc).items()
    }


def settings_context(
    session: SessionDep, user: Any, home: Home, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    found = preferences.get_preferences(session, user=user, home_id=home.id)
    defaults = {
        "retention_days": str(home.retention_days),
        "receive": found.receive,
        "agency_kinds": list(found.agency_kinds),
        "quiet_start": _clock(found.quiet_start_minute),
        "quiet_end": _clock(found.quiet_end_minute),
        "time_zone": found.time_zone,
        "emergencies_bypass_quiet": found.emergencies_bypass_quiet,
    }
    return {
        "home": home,
        "cameras": homes.list_cameras(session, user=user, home_id=home.id),
        "members": homes.list_members(session, user=user, home_id=home.id),
        "values": defaults | (values or {}),
        "kinds": KIND_LABELS,
        "errors": {},
        "saved": None,
        "camera_values": {"name": "", "latitude": "", "longitude": "", "audio_enabled": False},
    }


def _answer(
    request: Request,
    form: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The form alone for htmx (with the status message out of band); the page otherwise."""
    if request.headers.get("hx-request"):
        return render(
            request, f"resident/settings_{form}.html", context | {"oob": True}, status_code
        )
    return render(request, "resident/settings.html", context | {"oob": False}, status_code)


@router.get("/homes/{home_id}/settings")
def settings_page(
    request: Request, home_id: uuid.UUID, user: PageResident, session: SessionDep
) -> HTMLResponse:
    home, _ = homes.membership(session, user=user, home_id=home_id, owner=True)
    return render(
        request, "resident/settings.html", settings_context(session, user, home) | {"oob": False}
    )


@router.post("/homes/{home_id}/settings/retention")
async def save_retention(
    request: Request, home_id: uuid.UUID, user: PageResident, session: SessionDep, _: PageCsrf
) -> HTMLResponse:
    home, _member = homes.membership(session, user=user, home_id=home_id, owner=True)
    raw = str((await request.form()).get("retention_days", "")).strip()
    try:
        body = HomeUpdate.model_validate({"retention_days": raw or None})
        if body.retention_days is None:
            raise InvalidInput("retention_days: required", field="retention_days")
    except (ValidationError, InvalidInput) as exc:
        errors = (
            field_errors(exc)
            if isinstance(exc, ValidationError)
            else {"retention_days": f"Required. {FIELD_LIMITS['retention_days']}"}
        )
        context = settings_context(session, user, home, {"retention_days": raw})
        return _answer(request, "retention", context | {"errors": errors}, status_code=422)
    homes.update_home(
        session, user=user, home_id=home_id, changes={"retention_days": body.retention_days}
    )
    context = settings_context(session, user, home)
    saved = f"Saved: clips of {home.name} are kept {body.retention_days} days."
    return _answer(request, "retention", context | {"saved": saved})


@router.post("/homes/{home_id}/settings/audio")
async def save_audio(
    request: Request, home_id: uuid.UUID, user: PageResident, session: SessionDep, _: PageCsrf
) -> HTMLResponse:
    home, _member = homes.membership(session, user=user, home_id=home_id, owner=True)
    wanted = {str(value) for value in (await request.form()).getlist("audio")}
    cameras = homes.list_cameras(session, user=user, home_id=home_id)
    if unknown := wanted - {str(camera.id) for camera in cameras}:
        context = settings_context(session, user, home)
        errors = {"audio": f"Not a camera of this home: {sorted(unknown)[0]}."}
        return _answer(request, "audio", context | {"errors": errors}, status_code=422)
    for camera in cameras:
        on = str(camera.id) in wanted
        if camera.audio_enabled != on:
            homes.update_camera(
                session, user=user, camera_id=camera.id, changes={"audio_enabled": on}
            )
    recording = [camera.name for camera in cameras if str(camera.id) in wanted]
    saved = "Saved: audio is recorded by " + (", ".join(recording) if recording else "no camera")
    return _answer(request, "audio", settings_context(session, user, home) | {"saved": saved + "."})


@router.post("/homes/{home_id}/settings/requests")
async def save_requests(
    request: Request, home_id: uuid.UUID, user: PageResident, session: SessionDep, _: PageCsrf
) -> HTMLResponse:
    home, _member = homes.membership(session, user=user, home_id=home_id, owner=True)
    form = await request.form()
    values: dict[str, Any] = {
        "receive": form.get("receive") == "on",
        "agency_kinds": [str(kind) for kind in form.getlist("agency_kinds")],
        "quiet_start": str(form.get("quiet_start", "")).strip(),
        "quiet_end": str(form.get("quiet_end", "")).strip(),
        "time_zone": str(form.get("time_zone", "")).strip() or "UTC",
        "emergencies_bypass_quiet": form.get("emergencies_bypass_quiet") == "on",
    }
    try:
        body = RequestSettingsBody.model_validate(
            values
            | {"quiet_start": values["quiet_start"] or None}
            | {"quiet_end": values["quiet_end"] or None}
        )
        saved = preferences.set_preferences(
            session,
            user=user,
            home_id=home_id,
            preferences=preferences.from_body(body),
        )
    except ValidationError as exc:
        errors = field_errors(exc)
    except InvalidInput as exc:
        errors = {exc.field or "form": exc.detail}
    else:
        message = "Saved: " + (
            "this home receives requests from "
            + (
                ", ".join(KIND_LABELS[AgencyKind(kind)] for kind in saved.agency_kinds)
                or "no agency"
            )
            if saved.receive
            else "this home receives no requests"
        )
        if saved.quiet_start_minute is not None:
            message += (
                f", quiet {_clock(saved.quiet_start_minute)}–{_clock(saved.quiet_end_minute)} "
                f"({saved.time_zone})"
            )
        return _answer(
            request, "requests", settings_context(session, user, home) | {"saved": message + "."}
        )
    context = settings_context(session, user, home, values)
    return _answer(request, "requests", context | {"errors": errors}, status_code=422)
