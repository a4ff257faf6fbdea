"""The transparency report, computed from the audit log's public entries alone.

Anyone can recompute it: fetch every entry from ``/v1/audit/entries`` and pass their
public forms to ``transparency_report`` with the report's ``as_of`` and ``log_size``.
Entries are folded in one at a time (``ReportBuilder.add``, one pass, in log order),
so the hub keeps a builder and feeds it only the entries appended since it last looked.

Each count lands in the month and the quarter of one entry: a request, its
emergencies, agency and category, and whether it was ever answered with a clip, in
the period it was created; a clip shared with a request in the period of its first
share; everything else in the period of its own entry. Delayed notices outstanding
are the demands recorded in the period whose court-ordered delay ends after ``as_of``
and whose owner has not been notified yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from doorstep.audit.actions import (
    AGENCY,
    CATEGORY,
    CLIP_ID,
    CLIP_SHARED,
    DEMAND_ID,
    DEMAND_OWNER_NOTIFIED,
    DEMAND_RECORDED,
    DEMAND_SERVED,
    EMERGENCY,
    MODERATION_REMOVED,
    NOTICE_DELAYED_UNTIL,
    REQUEST_CREATED,
    REQUEST_ID,
    SHARE_EXPIRED,
)
from doorstep.errors import InvalidInput

PeriodKind = Literal["month", "quarter"]
TOTAL = "total"


@dataclass(slots=True)
class PeriodCounts:
    """What the log says happened in one period: ``2026-11``, ``2026-Q4`` or ``total``."""

    period: str
    requests: int = field(default=0, metadata={"label": "Requests"})
    emergency_requests: int = field(default=0, metadata={"label": "Emergency requests"})
    requests_with_share: int = field(
        default=0, metadata={"label": "Requests answered with at least one clip"}
    )
    clips_shared: int = field(default=0, metadata={"label": "Clips shared with agencies"})
    access_expiries: int = field(default=0, metadata={"label": "Agency access expired"})
    demands_received: int = field(default=0, metadata={"label": "Legal demands received"})
    demands_served: int = field(
        default=0, metadata={"label": "Legal demands served with ciphertext only"}
    )
    owners_notified: int = field(default=0, metadata={"label": "Owners notified of a demand"})
    delayed_notices_outstanding: int = field(
        default=0, metadata={"label": "Court-delayed notices outstanding"}
    )
    moderation_removals: int = field(default=0, metadata={"label": "Posts removed by moderators"})
    requests_by_agency: dict[str, int] = field(
        default_factory=dict, metadata={"label": "Requests by agency", "breakdown": True}
    )
    requests_by_category: dict[str, int] = field(
        default_factory=dict, metadata={"label": "Requests by incident category", "breakdown": True}
    )


# (field name, label) of every count, then of every breakdown by name, in report order.
METRICS: tuple[tuple[str, str], ...] = tuple(
    (each.name, each.metadata["label"])
    for each in fields(PeriodCounts)
    if "label" in each.metadata and not each.metadata.get("breakdown")
)
BREAKDOWNS: tuple[tuple[str, str], ...] = tuple(
    (each.name, each.metadata["label"])
    for each in fields(PeriodCounts)
    if each.metadata.get("breakdown")
)


@dataclass(frozen=True, slots=True)
class TransparencyReport:
    """Counts per month and per quarter, without gaps, up to the period of ``as_of``."""

    as_of: datetime
    log_size: int
    months: tuple[PeriodCounts, ...]
    quarters: tuple[PeriodCounts, ...]
    total: PeriodCounts

    def periods(self, kind: PeriodKind) -> tuple[PeriodCounts, ...]:
        return self.months if kind == "month" else self.quarters


# Where one entry counts: its month, its quarter and the total.
_Slots = tuple[PeriodCounts, PeriodCounts, PeriodCounts]


class ReportBuilder:
    """Folds public entries in, in log order; ``report`` snapshots the counts at any time."""

    def __init__(self) -> None:
        self._months: dict[int, PeriodCounts] = {}
        self._quarters: dict[int, PeriodCounts] = {}
        self._total = PeriodCounts(TOTAL)
        self._unanswered: dict[str, _Slots] = {}  # request id -> where it was counted
        self._shared_clips: set[tuple[str, str]] = set()
        self._delays: dict[str, tuple[date, _Slots]] = {}
        self._notified: set[str] = set()

    def add(self, entry: Mapping[str, Any]) -> None:
        """Count one public entry (``{"action", "actor", "at", "objects"}``); others pass."""
        action, objects = entry["action"], entry["objects"]
        if action == REQUEST_CREATED:
            self._add_request(entry["at"], entry["actor"], objects)
        elif action == CLIP_SHARED:
            self._add_share(entry["at"], objects)
        elif action == DEMAND_RECORDED:
            self._add_demand(entry["at"], objects)
        elif action == DEMAND_SERVED:
            for counts in self._slots(entry["at"]):
                counts.demands_served += 1
        elif action == DEMAND_OWNER_NOTIFIED:
            self._notified.add(str(objects[DEMAND_ID]))
            for counts in self._slots(entry["at"]):
                counts.owners_notified += 1
        elif action == SHARE_EXPIRED:
            for counts in self._slots(entry["at"]):
                counts.access_expiries += 1
        elif action == MODERATION_REMOVED:
            for counts in self._slots(entry["at"]):
                counts.moderation_removals += 1

    def report(self, *, as_of: datetime, log_size: int) -> TransparencyReport:
        """The counts so far, as of ``as_of``, over the first ``log_size`` entries."""
        if as_of.tzinfo is None:
            raise InvalidInput("as_of must carry a time zone", field="as_of")
        as_of = as_of.astimezone(UTC)
        outstanding: dict[str, int] = {}
        for demand_id, (until, slots) in self._delays.items():
            if until > as_of.date() and demand_id not in self._notified:
                for counts in slots:
                    _increment(outstanding, counts.period)
        span = [*self._months, _month_ordinal(as_of)]
        first, last = min(span), max(span)
        return TransparencyReport(
            as_of=as_of,
            log_size=log_size,
            months=tuple(
                _snapshot(self._months.get(month), _month_label(month), outstanding)
                for month in range(first, last + 1)
            ),
            quarters=tuple(
                _snapshot(self._quarters.get(quarter), _quarter_label(quarter), outstanding)
                for quarter in range(first // 3, last // 3 + 1)
            ),
            total=_snapshot(self._total, TOTAL, outstanding),
        )

    def _slots(self, at: str) -> _Slots:
        month = _month_ordinal(_parse_time(at))
        month_counts = self._months.get(month)
        if month_counts is None:
            month_counts = self._months[month] = PeriodCounts(_month_label(month))
        quarter_counts = self._quarters.get(month // 3)
        if quarter_counts is None:
            quarter_counts = self._quarters[month // 3] = PeriodCounts(_quarter_label(month // 3))
        return month_counts, quarter_counts, self._total

    def _add_request(self, at: str, actor: Mapping[str, Any], objects: Mapping[str, Any]) -> None:
        request_id = str(objects[REQUEST_ID])
        slots = self._unanswered[request_id] = self._slots(at)
        for counts in slots:
            counts.requests += 1
            counts.emergency_requests += objects.get(EMERGENCY) is True
            _increment(counts.requests_by_agency, str(actor.get(AGENCY, "")))
            _increment(counts.requests_by_category, str(objects[CATEGORY]))

    def _add_share(self, at: str, objects: Mapping[str, Any]) -> None:
        if objects.get(REQUEST_ID) is None:
            return  # a share within the household
        request_id = str(objects[REQUEST_ID])
        clip = (request_id, str(objects[CLIP_ID]))
        if clip in self._shared_clips:
            return  # the same clip re-wrapped for the same request
        self._shared_clips.add(clip)
        for counts in self._slots(at):
            counts.clips_shared += 1
        for counts in self._unanswered.pop(request_id, ()):  # its first clip: counted once
            counts.requests_with_share += 1

    def _add_demand(self, at: str, objects: Mapping[str, Any]) -> None:
        slots = self._slots(at)
        for counts in slots:
            counts.demands_received += 1
        until = objects.get(NOTICE_DELAYED_UNTIL)
        if until is not None:
            self._delays[str(objects[DEMAND_ID])] = (_parse_date(until), slots)


def transparency_report(
    entries: Iterable[Mapping[str, Any]], *, as_of: datetime, log_size: int
) -> TransparencyReport:
    """The report over ``entries`` (public forms, in log order), as of ``as_of``."""
    builder = ReportBuilder()
    for entry in entries:
        builder.add(entry)
    return builder.report(as_of=as_of, log_size=log_size)


def _increment(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _snapshot(
    counts: PeriodCounts | None, period: str, outstanding: dict[str, int]
) -> PeriodCounts:
    """A copy the builder won't change, its breakdowns sorted by name."""
    if counts is None:
        return PeriodCounts(period)
    return replace(
        counts,
        delayed_notices_outstanding=outstanding.get(period, 0),
        requests_by_agency=dict(sorted(counts.requests_by_agency.items())),
        requests_by_category=dict(sorted(counts.requests_by_category.items())),
    )


def _parse_time(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"at: {value!r} is not an ISO 8601 time", field="at") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"at: {value!r} has no time zone", field="at")
    return moment


def _parse_date(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(
            f"{NOTICE_DELAYED_UNTIL}: {value!r} is not a date (YYYY-MM-DD)",
            field=NOTICE_DELAYED_UNTIL,
        ) from exc


def _month_ordinal(moment: datetime) -> int:
    """Months since year 0, in UTC: consecutive months are consecutive numbers."""
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def _month_label(month: int) -> str:
    year, index = divmod(month, 12)
    return f"{year:04d}-{index + 1:02d}"


def _quarter_label(quarter: int) -> str:
    year, index = divmod(quarter, 4)
    return f"{year:04d}-Q{index + 1}"
