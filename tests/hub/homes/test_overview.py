"""homes.overview: what the resident's home page reads, through the caller's memberships."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from httpx import AsyncClient

from doorstep.crypto.format import PARTS
from doorstep.hub.accounts.models import User
from doorstep.hub.db import transaction
from doorstep.hub.homes.overview import NEWEST_EVENTS, resident_overview, start_of_day
from doorstep.hub.requests.models import RequestSettings
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.clips.uploads import upload_clip


def test_start_of_day_is_midnight_in_the_time_zone() -> None:
    now = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)
    assert start_of_day(now, "UTC") == datetime(2026, 12, 3, tzinfo=UTC)
    # 02:30 UTC is 21:30 the day before in New York (UTC-5 in December).
    assert start_of_day(now, "America/New_York") == datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


async def test_events_today_follow_the_homes_time_zone_and_newest_come_first(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, [camera_id] = actors.home(owner)
    device = actors.device(owner, home_id)
    now = datetime.now(UTC).replace(microsecond=0)
    midnight = start_of_day(now, "UTC")
    starts = [midnight - timedelta(minutes=5)] + [
        max(midnight, now - timedelta(hours=1)) + timedelta(seconds=30 * n) for n in range(6)
    ]
    for started in starts:
        payloads = {name: os.urandom(64) for name in PARTS}
        await upload_clip(
            client, device, camera_id, payloads, (started, started + timedelta(seconds=10))
        )
    user_id = owner.user_id
    with hub.sessions() as session:
        user = session.get_one(User, user_id)
        [home] = resident_overview(session, user=user, now=now).homes
    assert home.events_today == 6  # not the one five minutes before midnight
    assert home.devices == 1 and home.has_home_key and home.owner
    assert len(home.newest) == NEWEST_EVENTS
    assert [clip.started_at for clip in home.newest] == sorted(starts, reverse=True)[:NEWEST_EVENTS]
    # In a time zone whose day began before the first clip, all seven are today's.
    with transaction(hub.sessions) as session:
        session.add(
            RequestSettings(home_id=home_id, agency_kinds="police", time_zone="Pacific/Kiritimati")
        )
    with hub.sessions() as session:
        user = session.get_one(User, user_id)
        [home] = resident_overview(session, user=user, now=now).homes
    expected = sum(start >= start_of_day(now, "Pacific/Kiritimati") for start in starts)
    assert home.events_today == expected and home.time_zone == "Pacific/Kiritimati"


async def test_only_the_callers_homes_and_own_key(actors: Actors, hub: HubState) -> None:
    owner, stranger = actors.resident(), actors.resident()
    actors.home(owner, cameras=2)
    actors.user_key(owner)
    with hub.sessions() as session:
        mine = resident_overview(
            session, user=session.get_one(User, owner.user_id), now=datetime.now(UTC)
        )
        theirs = resident_overview(
            session, user=session.get_one(User, stranger.user_id), now=datetime.now(UTC)
        )
    assert len(mine.homes) == 1 and len(mine.homes[0].cameras) == 2 and mine.has_user_key
    assert mine.homes[0].devices == 0 and not mine.homes[0].has_home_key
    assert theirs.homes == [] and not theirs.has_user_key and theirs.pending_requests == 0
    assert uuid.UUID(str(mine.homes[0].home.id))
