"""The clip page: one event's snapshot, details and video, decrypted in the browser.

The hub serves what it knows in clear — the camera, the times, which parts exist, and
any agency request that covers the clip — and the sealed parts through the JSON API.
static/clip-page.js opens them with the resident's key (owner-clips.js clipAccess) and
plays the clip chunk by chunk (player.js); a clip with a blurred twin (parts twin_clip,
twin_snapshot) shows it too, opened with the twin's own key. Who may see the page is who
may fetch the clip's keys: a member of the clip's home (``get_clip``, as GET
/v1/clips/{id}/keys).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from doorstep.errors import NotFound
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.clips.service import get_clip
from doorstep.hub.deps import SessionDep
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.requests import inbox
from doorstep.hub.requests.models import DeliveryAnswer
from doorstep.hub.web.auth import PageResident
from doorstep.hub.web.pages.resident_views import when
from doorstep.hub.web.render import render

router = APIRouter(include_in_schema=False)


def _requests_covering(entries: list[inbox.InboxEntry], clip: Clip) -> list[inbox.InboxEntry]:
    """Pending agency requests to the clip's home whose window overlaps the clip."""
    return [
        entry
        for entry in entries
        if entry.delivery.home_id == clip.home_id
        and entry.delivery.answer == DeliveryAnswer.PENDING
        and entry.request.window_start < clip.ended_at
        and entry.request.window_end > clip.started_at
    ]


@router.get("/clips/{clip_id}")
def clip_page(
    request: Request, clip_id: uuid.UUID, user: PageResident, session: SessionDep
) -> HTMLResponse:
    clip = get_clip(session, user=user, clip_id=clip_id)
    camera = session.get(Camera, clip.camera_id)
    home = session.get(Home, clip.home_id)
    if camera is None or home is None:  # cascades delete the clip with either
        raise NotFound(f"clip {clip_id} not found")
    parts = {
        PartName(row.part).value: row.size
        for row in session.scalars(
            select(ClipPart).where(ClipPart.home_id == clip.home_id, ClipPart.clip_id == clip.id)
        )
    }
    seconds = max(0.0, (clip.ended_at - clip.started_at).total_seconds())
    return render(
        request,
        "resident/clip.html",
        {
            "clip": clip,
            "camera": camera,
            "home": home,
            "parts": parts,
            "started": when(clip.started_at),
            "length": f"{seconds:.0f} s",
            "requests": _requests_covering(inbox.inbox(session, user=user), clip),
        },
    )
