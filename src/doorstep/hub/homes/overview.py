"""What a resident's home page shows: each home's cameras, devices, today's events and the
newest ones, and what the resident still has to set up.

Read-only, and only through the caller's memberships, like the rest of ``homes``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.hub.accounts.models import User
from doorstep.hub.clips.models import Clip
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.homes.models import Camera, Home, HouseholdRole
from doorstep.hub.homes.service import list_cameras, list_homes, owned_home_ids
from doorstep.hub.keys.models import HomeKey, UserKey
from doorstep.hub.requests.models import DeliveryAnswer, RequestDelivery
from doorstep.hub.requests.preferences import preferences_of

NEWEST_EVENTS = 5


@dataclass(frozen=True)
class HomeOverview:
    home: Home
    role: HouseholdRole
    cameras: list[Camera]
    devices: int  # paired edge devices not revoked
    has_home_key: bool
    events_today: int  # clips started since midnight in the home's time zone
    time_zone: str
    newest: list[Clip]  # newest first, at most NEWEST_EVENTS

    @property
    def owner(self) -> bool:
        return self.role == HouseholdRole.OWNER


@dataclass(frozen=True)
class ResidentOverview:
    homes: list[HomeOverview]
    has_user_key: bool
    pending_requests: int  # inbox entries of owned homes still waiting for an answer


def start_of_day(now: datetime, time_zone: str) -> datetime:
    """Midnight of ``now``'s day in ``time_zone``, as an aware datetime."""
    local = now.astimezone(ZoneInfo(time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _events_since(session: Session, home_id: uuid.UUID, since: datetime) -> int:
    query = select(func.count()).select_from(Clip)
    return int(session.scalar(query.where(Clip.home_id == home_id, Clip.started_at >= since)) or 0)


def _home(
    session: Session, home: Home, role: HouseholdRole, cameras: list[Camera], *, now: datetime
) -> HomeOverview:
    time_zone = preferences_of(session, [home.id])[home.id].time_zone
    since = start_of_day(now, time_zone)
    devices = session.scalar(
        select(func.count())
        .select_from(EdgeDevice)
        .where(EdgeDevice.home_id == home.id, EdgeDevice.revoked_at.is_(None))
    )
    home_key = session.scalar(select(HomeKey.id).where(HomeKey.home_id == home.id).limit(1))
    newest = session.scalars(
        select(Clip)
        .where(Clip.home_id == home.id)
        .order_by(Clip.started_at.desc(), Clip.id)
        .limit(NEWEST_EVENTS)
    )
    return HomeOverview(
        home=home,
        role=role,
        cameras=cameras,
        devices=int(devices or 0),
        has_home_key=home_key is not None,
        events_today=_events_since(session, home.id, since),
        time_zone=time_zone,
        newest=list(newest),
    )


def resident_overview(session: Session, *, user: User, now: datetime) -> ResidentOverview:
    """Every home the caller belongs to, in the order they joined, with what the page shows."""
    cameras: dict[uuid.UUID, list[Camera]] = {}
    for camera in list_cameras(session, user=user):
        cameras.setdefault(camera.home_id, []).append(camera)
    homes = [
        _home(session, home, member.role, cameras.get(home.id, []), now=now)
        for home, member in list_homes(session, user=user)
    ]
    has_key = session.scalar(select(UserKey.id).where(UserKey.user_id == user.id)) is not None
    pending = session.scalar(
        select(func.count())
        .select_from(RequestDelivery)
        .where(
            RequestDelivery.home_id.in_(owned_home_ids(user)),
            RequestDelivery.answer == DeliveryAnswer.PENDING,
        )
    )
    return ResidentOverview(homes=homes, has_user_key=has_key, pending_requests=int(pending or 0))
