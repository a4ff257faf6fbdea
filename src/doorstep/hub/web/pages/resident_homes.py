"""Making a home, adding or removing a home's cameras, and removing a member, for residents.

The forms check their input with the JSON API's own schemas (HomeCreate, CameraCreate)
and call the same services as POST /v1/homes, POST /v1/homes/{id}/cameras and
DELETE /v1/cameras/{id}. Bad input is a 422 with the form again and the message next
to the field, naming the limit; nothing is written.

Removing a member needs the owner's key, so this module only renders its confirm page:
the page's script (static/owner-member-remove-page.js) removes the member through
DELETE /v1/homes/{id}/members/{user_id} and then makes and signs a new home key, as
``doorstep keys remove-member`` does.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from doorstep.errors import Conflict, NotFound
from doorstep.hub.clips.models import Clip
from doorstep.hub.deps import SessionDep
from doorstep.hub.homes import service as homes
from doorstep.hub.homes.models import Camera, HouseholdRole
from doorstep.hub.homes.schemas import CameraCreate, HomeCreate
from doorstep.hub.web.auth import PageCsrf, PageResident
from doorstep.hub.web.pages.resident_settings import field_errors, settings_context
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

FIELD_LIMITS = {
    "name": "A name of 1 to 100 characters.",
    "retention_days": "Keep clips 1 to 365 days (a whole number).",
    "latitude": "Latitude in degrees, -90 to 90.",
    "longitude": "Longitude in degrees, -180 to 180.",
}


@router.get("/homes/new")
def new_home_page(request: Request, user: PageResident) -> HTMLResponse:
    values = {"name": "", "retention_days": "30"}
    return render(request, "resident/home_new.html", {"values": values, "errors": {}})


@router.post("/homes/new", response_model=None)
async def create_home(
    request: Request, user: PageResident, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    values = {
        "name": str(form.get("name", "")).strip(),
        "retention_days": str(form.get("retention_days", "")).strip(),
    }
    try:
        body = HomeCreate.model_validate(values)  # a blank field is refused, not defaulted
    except ValidationError as exc:
        context = {"values": values, "errors": field_errors(exc, FIELD_LIMITS)}
        return render(request, "resident/home_new.html", context, 422)
    homes.create_home(session, user=user, name=body.name, retention_days=body.retention_days)
    return RedirectResponse("/home", status_code=303)


@router.post("/homes/{home_id}/settings/cameras", response_model=None)
async def add_camera(
    request: Request, home_id: uuid.UUID, user: PageResident, session: SessionDep, _: PageCsrf
) -> HTMLResponse | RedirectResponse:
    home, _member = homes.membership(session, user=user, home_id=home_id, owner=True)
    form = await request.form()
    values = {
        field: str(form.get(field, "")).strip() for field in ("name", "latitude", "longitude")
    }
    audio = form.get("audio_enabled") == "on"
    try:
        body = CameraCreate.model_validate(values | {"audio_enabled": audio})
    except ValidationError as exc:
        context: dict[str, Any] = settings_context(session, user, home)
        context |= {
            "camera_values": values | {"audio_enabled": audio},
            "errors": field_errors(exc, FIELD_LIMITS),
        }
        return render(request, "resident/settings.html", context | {"oob": False}, 422)
    homes.create_camera(session, user=user, home_id=home_id, **body.model_dump())
    return RedirectResponse(f"/homes/{home_id}/settings#cameras-heading", status_code=303)


def _camera(session: SessionDep, user: Any, home_id: uuid.UUID, camera_id: uuid.UUID) -> Camera:
    homes.membership(session, user=user, home_id=home_id, owner=True)
    camera = homes.get_camera(session, user=user, camera_id=camera_id, owner=True)
    if camera.home_id != home_id:
        raise NotFound("camera not found")
    return camera


@router.get("/homes/{home_id}/settings/cameras/{camera_id}/remove")
def remove_camera_confirm(
    request: Request,
    home_id: uuid.UUID,
    camera_id: uuid.UUID,
    user: PageResident,
    session: SessionDep,
) -> HTMLResponse:
    camera = _camera(session, user, home_id, camera_id)
    clips = int(
        session.scalar(select(func.count()).select_from(Clip).where(Clip.camera_id == camera.id))
        or 0
    )
    return render(request, "resident/camera_remove.html", {"camera": camera, "clips": clips})


@router.post("/homes/{home_id}/settings/cameras/{camera_id}/remove")
def remove_camera(
    home_id: uuid.UUID,
    camera_id: uuid.UUID,
    user: PageResident,
    session: SessionDep,
    _: PageCsrf,
) -> RedirectResponse:
    camera = _camera(session, user, home_id, camera_id)
    homes.delete_camera(session, user=user, camera_id=camera.id)
    return RedirectResponse(f"/homes/{home_id}/settings#cameras-heading", status_code=303)


@router.get("/homes/{home_id}/settings/members/{user_id}/remove")
def remove_member_confirm(
    request: Request,
    home_id: uuid.UUID,
    user_id: uuid.UUID,
    user: PageResident,
    session: SessionDep,
) -> HTMLResponse:
    """Say what removing the member does; the page's script does it with the owner's key."""
    home, _member = homes.membership(session, user=user, home_id=home_id, owner=True)
    rows = homes.list_members(session, user=user, home_id=home_id)
    found = next(((m, person) for m, person in rows if person.id == user_id), None)
    if found is None:
        raise NotFound(f"user {user_id} is not a member of this home")
    member, person = found
    if member.role == HouseholdRole.OWNER:
        raise Conflict("the owner can't be removed; delete the home instead")
    return render(request, "resident/settings_member_remove.html", {"home": home, "person": person})
