"""The demo police bureau's request on the demo street."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.demo.neighbourhood import OFFICER_EMAIL, ORIGIN
from doorstep.hub.accounts.models import User
from doorstep.hub.db import utcnow
from doorstep.hub.requests.geometry import circle_area
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.requests.service import RequestDraft, create_request


def create_demo_request(session: Session) -> uuid.UUID:
    """A request on the demo street for the last six hours, filed as the demo officer."""
    officer = session.scalars(select(User).where(User.email == OFFICER_EMAIL)).one()
    now = utcnow().replace(microsecond=0)
    request = create_request(
        session,
        member=officer,
        draft=RequestDraft(
            investigation_code="DEMO-2026-0001",
            category="vehicle_theft",
            details="A blue cargo bike was taken from a porch on SE 30th Ave; we are looking "
            "for footage of the street in the hours before it was reported.",
            area=circle_area(ORIGIN[0], ORIGIN[1], 250),
            window_start=now - timedelta(hours=6),
            window_end=now,
            open_until=now + timedelta(days=7),
            retention_days=90,
            attested=True,
        ),
        limits=RequestLimits(),
        now=now,
    )
    return request.id
