"""The demo police bureau's request, filed once the demo home has recorded something.

A request can only ask about the past (its window ends by the time it is filed), and
it reaches a home only if one of the home's cameras recorded a clip in its window. So
`doorstep up` files it when the demo edge's first clips are on the hub, not at first
start: a watcher polls for them and files through the same service as the agency API,
with every limit and the purpose screen applied, so the request reaches the demo
resident's inbox the normal way. The request stays in the database, so it is filed
once per data directory.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from doorstep.demo.neighbourhood import OFFICER_EMAIL, ORIGIN, demo_home
from doorstep.errors import DoorstepError
from doorstep.hub.accounts.models import User
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.requests.geometry import circle_area
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.requests.service import RequestDraft, create_request

logger = logging.getLogger(__name__)

INVESTIGATION_CODE = "DEMO-PORCH-0001"
# The hour before the theft was reported: it covers every clip recorded in it.
WINDOW = timedelta(hours=1)
# A circle on the demo street: the demo home's cameras and its neighbours' (0.2 km²).
RADIUS_M = 250
OPEN_FOR = timedelta(days=7)
RETENTION_DAYS = 90


def _officer(session: Session) -> User:
    return session.scalars(select(User).where(User.email == OFFICER_EMAIL)).one()


def demo_request_id(session: Session) -> uuid.UUID | None:
    """The demo request, if it was filed already."""
    return session.scalar(
        select(FootageRequest.id).where(
            FootageRequest.agency_id == _officer(session).agency_id,
            FootageRequest.investigation_code == INVESTIGATION_CODE,
        )
    )


def file_demo_request(
    session: Session, *, limits: RequestLimits, now: datetime
) -> uuid.UUID | None:
    """File the demo request if the demo home has a clip in its window (the hour before
    ``now``); else None, as nothing could reach the demo resident yet."""
    now = now.replace(microsecond=0)
    # Inside the limits a deployment may have tightened, so the demo still plays.
    window = min(WINDOW, limits.max_window)
    latest = session.scalar(
        select(func.max(Clip.ended_at)).where(Clip.home_id == demo_home(session).id)
    )
    if latest is None or latest <= now - window:
        return None
    request = create_request(
        session,
        member=_officer(session),
        draft=RequestDraft(
            investigation_code=INVESTIGATION_CODE,
            category="theft",
            details="A parcel was stolen from a front porch on SE 30th Ave; we are looking "
            "for footage of the street in the hour before the resident reported it.",
            area=circle_area(ORIGIN[0], ORIGIN[1], RADIUS_M),
            window_start=now - window,
            window_end=now,
            open_until=now + min(OPEN_FOR, limits.max_open),
            retention_days=min(RETENTION_DAYS, limits.max_retention_days),
            attested=True,
        ),
        limits=limits,
        now=now,
    )
    return request.id


def watch_for_demo_clips(
    sessions: sessionmaker[Session],
    stop: threading.Event,
    *,
    limits: RequestLimits,
    on_filed: Callable[[uuid.UUID], None],
    poll_seconds: float = 2.0,
) -> None:
    """Until ``stop``, or until it is filed: file the demo request once clips are in."""
    with transaction(sessions) as session:
        if demo_request_id(session) is not None:
            return
    while not stop.wait(poll_seconds):
        try:
            with transaction(sessions) as session:
                filed = file_demo_request(session, limits=limits, now=utcnow())
        except DoorstepError as exc:  # e.g. limits tightened past the demo's request
            logger.warning("the demo police bureau's request was refused: %s", exc)
            return
        if filed is not None:
            on_filed(filed)
            return
