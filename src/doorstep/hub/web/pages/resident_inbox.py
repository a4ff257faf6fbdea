"""A resident's request inbox: every request that reached a home they own, and one in full.

The entry page shows the area (a map where map.js is loaded, always a text description),
the request's details, and the home's own clips in the window, whose snapshots the
browser decrypts. Sharing re-wraps clip keys in the browser (owner-share.js, through
the JSON API); declining needs no key, so it is a plain form posted here.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from doorstep.hub.db import utcnow
from doorstep.hub.deps import SessionDep
from doorstep.hub.homes.service import list_cameras, list_homes
from doorstep.hub.requests import inbox
from doorstep.hub.requests.models import RequestStatus
from doorstep.hub.requests.service import effective_status
from doorstep.hub.web.auth import PageCsrf, PageResident
from doorstep.hub.web.pages.resident_views import age, when
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)

ANSWERS = {
    "pending": "Not answered",
    "shared": "You shared clips",
    "declined": "You declined",
}
DONE = {"declined": "Declined. The agency is not told: to it this looks like no answer."}


def area_description(entry: inbox.InboxEntry) -> str:
    """The request's area in words, for everyone the map doesn't serve."""
    request = entry.request
    area = json.loads(request.area)
    corners = len(area.get("coordinates", [[]])[0]) - 1 if area.get("type") == "Polygon" else 0
    shape = f"a shape with {corners} corners" if corners > 0 else "an area"
    return (
        f"{shape.capitalize()} of {request.area_m2 / 1_000_000:.2f} km² centred at "
        f"latitude {request.latitude:.5f}, longitude {request.longitude:.5f}."
    )


def _status(entry: inbox.InboxEntry) -> RequestStatus:
    return effective_status(entry.request, utcnow())


@router.get("/inbox")
def inbox_page(request: Request, user: PageResident, session: SessionDep) -> HTMLResponse:
    entries = inbox.inbox(session, user=user)
    names = {home.id: home.name for home, _ in list_homes(session, user=user)}
    rows = [
        {
            "entry": entry,
            "status": _status(entry).value,
            "answer": ANSWERS.get(entry.delivery.answer, entry.delivery.answer),
            "home": names.get(entry.delivery.home_id, ""),
        }
        for entry in entries
    ]
    return render(request, "resident/inbox.html", {"rows": rows, "when": when})


@router.get("/inbox/{entry_id}")
def entry_page(
    request: Request,
    entry_id: uuid.UUID,
    user: PageResident,
    session: SessionDep,
    done: str | None = None,
) -> HTMLResponse:
    entry = inbox.inbox_entry(session, user=user, delivery_id=entry_id)
    clips = inbox.clips_in_window(session, entry=entry)
    twinned = inbox.clips_with_twin(session, clips)
    cameras = {
        camera.id: camera.name
        for camera in list_cameras(session, user=user, home_id=entry.delivery.home_id)
    }
    status = _status(entry)
    now = utcnow()
    context: dict[str, Any] = {
        "entry": entry,
        "req": entry.request,
        "agency": entry.agency,
        "status": status.value,
        "answer": ANSWERS.get(entry.delivery.answer, entry.delivery.answer),
        "answerable": status == RequestStatus.OPEN,
        "can_decline": entry.delivery.answer == "pending",
        "area_json": entry.request.area,
        "area_text": area_description(entry),
        "clips": [
            {
                "clip": clip,
                "camera": cameras.get(clip.camera_id, "a removed camera"),
                "twin": clip.id in twinned,
            }
            for clip in clips
        ],
        "done": DONE.get(done or ""),
        "when": when,
        "age": lambda moment: age(moment, now),
    }
    return render(request, "resident/inbox_entry.html", context)


@router.post("/inbox/{entry_id}/decline")
def decline(
    entry_id: uuid.UUID, user: PageResident, session: SessionDep, _: PageCsrf
) -> RedirectResponse:
    """Decline: silent; the agency can't tell it from not answering."""
    inbox.decline(session, user=user, delivery_id=entry_id)
    return RedirectResponse(f"/inbox/{entry_id}?done=declined", status_code=303)
