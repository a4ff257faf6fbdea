"""The resident's home page: their homes, each camera's health and key alarm, today's events.

Everything comes from the same services the JSON API calls (homes.overview reads
through the caller's memberships). Clip contents never reach this page: the newest
events are times and cameras, linked to the player that decrypts in the browser.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from doorstep.hub.db import utcnow
from doorstep.hub.deps import SessionDep
from doorstep.hub.homes.overview import resident_overview
from doorstep.hub.web.auth import PageResident
from doorstep.hub.web.pages.resident_views import LIVE_VIEW_PORT, age, camera_health, when
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/home")
def home_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    now = utcnow()
    overview = resident_overview(session, user=user, now=now)
    homes: list[dict[str, Any]] = [
        {
            "overview": home,
            "cameras": [camera_health(camera, now) for camera in home.cameras],
            "camera_names": {camera.id: camera.name for camera in home.cameras},
        }
        for home in overview.homes
    ]
    return render(
        request,
        "resident/home.html",
        {
            "overview": overview,
            "homes": homes,
            "alarms": sum(
                bool(camera.health_key_alarm) for home in overview.homes for camera in home.cameras
            ),
            "live_view_port": LIVE_VIEW_PORT,
            "when": when,
            "age": lambda moment: age(moment, now),
        },
    )
