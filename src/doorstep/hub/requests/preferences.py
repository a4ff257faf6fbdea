"""A home's request settings: receive requests or not, from which kinds of agency, and when.

Only the home's owners read or change them, and only matching reads them on the
agency's behalf: no agency-facing route says whether a home opted out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.errors import InvalidInput
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.homes.service import membership
from doorstep.hub.requests.models import RequestSettings
from doorstep.hub.requests.schemas import RequestSettingsBody

ALL_KINDS = tuple(kind.value for kind in AgencyKind)
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Preferences:
    receive: bool = True
    agency_kinds: tuple[str, ...] = ALL_KINDS
    quiet_start_minute: int | None = None
    quiet_end_minute: int | None = None
    time_zone: str = "UTC"
    emergencies_bypass_quiet: bool = True

    def accepts(self, kind: str) -> bool:
        return self.receive and kind in self.agency_kinds

    def quiet_until(self, now: datetime, *, emergency: bool) -> datetime | None:
        """When quiet hours that hold at ``now`` end, or None if they don't hold."""
        if self.quiet_start_minute is None or self.quiet_end_minute is None:
            return None
        if emergency and self.emergencies_bypass_quiet:
            return None
        local = now.astimezone(ZoneInfo(self.time_zone))
        minute = local.hour * 60 + local.minute
        start, end = self.quiet_start_minute, self.quiet_end_minute
        quiet = start <= minute < end if start < end else minute >= start or minute < end
        if not quiet:
            return None
        this_minute = local.replace(second=0, microsecond=0)
        return (this_minute + timedelta(minutes=(end - minute) % MINUTES_PER_DAY)).astimezone(
            now.tzinfo
        )


def _minute_of_day(clock: str | None) -> int | None:
    if clock is None:
        return None
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def from_body(body: RequestSettingsBody) -> Preferences:
    """The preferences a settings form or ``PUT .../request-settings`` asks for."""
    return Preferences(
        receive=body.receive,
        agency_kinds=tuple(kind.value for kind in body.agency_kinds),
        quiet_start_minute=_minute_of_day(body.quiet_start),
        quiet_end_minute=_minute_of_day(body.quiet_end),
        time_zone=body.time_zone,
        emergencies_bypass_quiet=body.emergencies_bypass_quiet,
    )


def _from_row(row: RequestSettings | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(
        receive=row.receive,
        agency_kinds=tuple(kind for kind in row.agency_kinds.split(",") if kind),
        quiet_start_minute=row.quiet_start_minute,
        quiet_end_minute=row.quiet_end_minute,
        time_zone=row.time_zone,
        emergencies_bypass_quiet=row.emergencies_bypass_quiet,
    )


def preferences_of(session: Session, home_ids: list[uuid.UUID]) -> dict[uuid.UUID, Preferences]:
    """Each home's preferences (the defaults for homes that never set any)."""
    rows = {
        row.home_id: row
        for row in session.scalars(
            select(RequestSettings).where(RequestSettings.home_id.in_(home_ids))
        )
    }
    return {home_id: _from_row(rows.get(home_id)) for home_id in home_ids}


def get_preferences(session: Session, *, user: User, home_id: uuid.UUID) -> Preferences:
    membership(session, user=user, home_id=home_id, owner=True)
    return _from_row(session.get(RequestSettings, home_id))


def set_preferences(
    session: Session, *, user: User, home_id: uuid.UUID, preferences: Preferences
) -> Preferences:
    membership(session, user=user, home_id=home_id, owner=True)
    if unknown := sorted(set(preferences.agency_kinds) - set(ALL_KINDS)):
        raise InvalidInput(
            f"agency_kinds: {unknown[0]!r} is not an agency kind ({', '.join(ALL_KINDS)})",
            field="agency_kinds",
        )
    if (preferences.quiet_start_minute is None) != (preferences.quiet_end_minute is None):
        raise InvalidInput("quiet_hours: give both start and end, or neither", field="quiet_hours")
    if preferences.quiet_start_minute is not None and (
        preferences.quiet_start_minute == preferences.quiet_end_minute
    ):
        raise InvalidInput("quiet_hours: start and end are the same minute", field="quiet_hours")
    try:
        ZoneInfo(preferences.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"time_zone: {preferences.time_zone!r} is not an IANA time zone", field="time_zone"
        ) from exc
    row = session.get(RequestSettings, home_id)
    if row is None:
        row = RequestSettings(home_id=home_id)
        session.add(row)
    row.receive = preferences.receive
    row.agency_kinds = ",".join(dict.fromkeys(preferences.agency_kinds))  # each kind once
    row.quiet_start_minute = preferences.quiet_start_minute
    row.quiet_end_minute = preferences.quiet_end_minute
    row.time_zone = preferences.time_zone
    row.emergencies_bypass_quiet = preferences.emergencies_bypass_quiet
    session.flush()
    return _from_row(row)
