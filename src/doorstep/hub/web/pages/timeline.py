"""The timeline page: a camera's events by week, day, hour and minute.

The page holds what the hub knows in clear about the camera — its name, its home's other
cameras and when its newest clip started — and static/timeline.js draws the rest from
GET /v1/cameras/{id}/timeline, the same service the JSON API calls. Snapshots are
decrypted in the browser (owner-clips.js); the hub never sees them opened.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from doorstep.hub.clips.models import Clip
from doorstep.hub.deps import SessionDep
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.homes.service import get_camera
from doorstep.hub.web.auth import PageResident
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/cameras/{camera_id}")
def timeline_page(
    request: Request, camera_id: uuid.UUID, user: PageResident, session: SessionDep
) -> HTMLResponse:
    camera = get_camera(session, user=user, camera_id=camera_id)
    home = session.get_one(Home, camera.home_id)
    cameras = session.scalars(
        select(Camera).where(Camera.home_id == home.id).order_by(Camera.name, Camera.id)
    ).all()
    newest = session.scalar(
        select(Clip.started_at)
        .where(Clip.camera_id == camera.id)
        .order_by(Clip.started_at.desc())
        .limit(1)
    )
    return render(
        request,
        "resident/timeline.html",
        {
            "camera": camera,
            "home": home,
            "cameras": cameras,
            "newest": newest.isoformat() if newest else "",
        },
    )
