"""Putting a request in the inboxes of the homes it reaches.

A request reaches a home when one of its cameras stands in the area and recorded a clip
overlapping the window, and the home accepts requests from this kind of agency. Most
homes are found when the request is filed (``deliver``). A clip that arrives later — an
edge that was offline uploads its backlog — brings a still-open request to its home
then (``deliver_for_clip``), so a home is not left out because its edge was slow.

Who got a request is private to each home: no count or list of deliveries reaches an
agency-facing route.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import shapely
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.hub.agencies.models import Agency
from doorstep.hub.clips.models import Clip
from doorstep.hub.homes.models import Camera, HomeMember, HouseholdRole
from doorstep.hub.notifications.service import notify
from doorstep.hub.requests.geometry import from_geojson_text
from doorstep.hub.requests.matching import match_homes
from doorstep.hub.requests.models import FootageRequest, RequestDelivery, RequestStatus
from doorstep.hub.requests.preferences import preferences_of


def deliver(session: Session, *, request: FootageRequest, agency: Agency, now: datetime) -> int:
    """Put a newly filed request in the inbox of every matching home that accepts it.

    Returns how many homes got it — a number only the hub's own tests read.
    """
    homes = match_homes(
        session,
        polygon=from_geojson_text(request.area),
        window_start=request.window_start,
        window_end=request.window_end,
    )
    return _put_in_inboxes(session, request=request, agency=agency, homes=homes, now=now)


def deliver_for_clip(session: Session, *, clip: Clip, camera: Camera, now: datetime) -> int:
    """Bring every open request this new clip matches to the clip's home, once.

    The clip overlaps a request's window as ``match_homes`` counts it (it starts before
    the window ends and ends after it starts), and the camera's point is in the area
    (its boundary included). Returns how many requests the home got.
    """
    delivered = exists().where(
        RequestDelivery.request_id == FootageRequest.id,
        RequestDelivery.home_id == clip.home_id,
    )
    candidates = session.scalars(
        select(FootageRequest)
        .where(
            FootageRequest.status == RequestStatus.OPEN,
            FootageRequest.open_until > now,
            FootageRequest.window_end > clip.started_at,
            FootageRequest.window_start < clip.ended_at,
            ~delivered,
        )
        .order_by(FootageRequest.created_at)
    ).all()
    reached = 0
    for request in candidates:
        area = from_geojson_text(request.area)
        if not shapely.intersects_xy(area, camera.longitude, camera.latitude):
            continue
        agency = session.get(Agency, request.agency_id)
        if agency is None or agency.suspended_at is not None:
            continue  # a suspended agency receives no share, so it reaches no one new
        try:
            # Another of the home's edges may deliver the same request at the same
            # moment: the unique (request, home) index keeps one, and this clip's
            # commit goes on without it.
            with session.begin_nested():
                reached += _put_in_inboxes(
                    session, request=request, agency=agency, homes=[clip.home_id], now=now
                )
        except IntegrityError:
            continue
    return reached


def _put_in_inboxes(
    session: Session,
    *,
    request: FootageRequest,
    agency: Agency,
    homes: list[uuid.UUID],
    now: datetime,
) -> int:
    """Deliver to those of ``homes`` that accept this kind of agency, and notify their
    owners: at once, or when their quiet hours end; an emergency at once unless the
    owner turned that off."""
    preferences = preferences_of(session, homes)
    reached = [home for home in homes if preferences[home].accepts(agency.kind)]
    if not reached:
        return 0
    deliveries = {
        home: RequestDelivery(request_id=request.id, home_id=home, urgent=request.emergency)
        for home in reached
    }
    session.add_all(deliveries.values())
    owners = session.execute(
        select(HomeMember.home_id, HomeMember.user_id).where(
            HomeMember.home_id.in_(reached), HomeMember.role == HouseholdRole.OWNER
        )
    ).all()
    message = _message(request, agency)
    for home_id, user_id in owners:
        notify(
            session,
            user_ids=[user_id],
            kind="urgent_request" if request.emergency else "request",
            subject_id=deliveries[home_id].id,
            message=message,
            urgent=request.emergency,
            visible_from=preferences[home_id].quiet_until(now, emergency=request.emergency),
        )
    session.flush()
    return len(reached)


def _message(request: FootageRequest, agency: Agency) -> str:
    return (
        f"{'EMERGENCY request' if request.emergency else 'Request'} from {agency.name}: "
        f"footage from {request.window_start:%Y-%m-%d %H:%M} to "
        f"{request.window_end:%Y-%m-%d %H:%M} UTC ({request.category.replace('_', ' ')}). "
        "Sharing is your choice; declining is silent."
        + (
            " Doorstep can't open your footage, even in an emergency: only you can share it."
            if request.emergency
            else ""
        )
    )
