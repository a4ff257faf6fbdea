"""The one place every limit on a public-safety request is enforced.

The limits exist so the request portal can't become a surveillance network: each
request is small, short and about a reported incident, and the budgets stop an agency
from tiling a neighbourhood with many small requests. Deployments may only make the
limits stricter (``DOORSTEP_REQUEST_*`` settings), and the limits are public. A refusal
names its field, the limit (in the words of ``LIMIT_NAMES``) and the value given. What a
request may be for (its category, the attestation, the purpose screen) is in purpose.py;
``check_request`` applies it with the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from shapely.geometry import MultiPolygon, Polygon

from doorstep.errors import ConfigurationError, InvalidInput, LimitExceeded, PermissionDenied
from doorstep.hub.requests.geometry import RequestArea, area_km2_text, covers
from doorstep.hub.requests.purpose import check_purpose

# Each limit in words, keyed by its RequestLimits field: refusals, the refusals of
# ``RequestLimits.tightened`` and the public limits page all name limits this way.
LIMIT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "max_area_m2": "largest area of a request",
        "min_window": "shortest time window of a request",
        "max_window": "longest time window of a request",
        "max_incident_age": "age limit on the incident a request is about",
        "max_open": "longest time a request stays open",
        "max_retention_days": "longest time an agency may keep shared clips",
        "code_max_requests": "budget of requests per investigation code",
        "code_max_area_m2": "budget of total area per investigation code",
        "agency_max_requests": "budget of requests per agency in a period",
        "agency_period": "period an agency's request budget counts over",
    }
)

# The limits a deployment may only raise; every other limit is a maximum it may only lower.
_RAISE_ONLY = frozenset({"min_window", "agency_period"})
# What a limit of each declared type may be set to (an int will do for a float).
_LIMIT_KINDS: Mapping[str, tuple[type, ...]] = MappingProxyType(
    {"float": (int, float), "int": (int,), "timedelta": (timedelta,)}
)


def duration_text(duration: timedelta) -> str:
    """A duration for messages: ``"12 h"``, ``"14 min 59.999999 s"``, ``"30 days"``."""
    sign = "-" if duration < timedelta(0) else ""
    duration = abs(duration)
    hours, rest = divmod(duration.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if duration.days:
        parts.append(f"{duration.days} day{'s' if duration.days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or duration.microseconds:
        fraction = f".{duration.microseconds:06d}".rstrip("0") if duration.microseconds else ""
        parts.append(f"{seconds}{fraction} s")
    return sign + (" ".join(parts) or "0 s")


def _limit_value_text(name: str, value: object) -> str:
    if isinstance(value, timedelta):
        return duration_text(value)
    if name.endswith("_m2") and isinstance(value, int | float):
        return area_km2_text(value)
    if name.endswith("_days"):
        return f"{value} days"
    return str(value)


def _seconds(duration: timedelta) -> int | float:
    seconds = duration.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


@dataclass(frozen=True)
class RequestLimits:
    """The limits every request must respect; defaults from DESIGN.md, never loosened."""

    max_area_m2: float = 500_000
    min_window: timedelta = timedelta(minutes=15)
    max_window: timedelta = timedelta(hours=12)
    max_incident_age: timedelta = timedelta(days=30)
    max_open: timedelta = timedelta(days=14)
    max_retention_days: int = 180
    code_max_requests: int = 3
    code_max_area_m2: float = 1_000_000
    agency_max_requests: int = 20
    agency_period: timedelta = timedelta(days=30)

    @classmethod
    def tightened(cls, **overrides: Any) -> RequestLimits:
        """The defaults with some limits made stricter; anything looser is a setting error."""
        defaults = cls()
        kinds = {limit.name: _LIMIT_KINDS[str(limit.type)] for limit in fields(cls)}
        for name, value in overrides.items():
            if name not in kinds:
                raise ConfigurationError(
                    f"request limit {name!r} is unknown; the limits are {', '.join(sorted(kinds))}"
                )
            default = getattr(defaults, name)
            default_text = _limit_value_text(name, default)
            if isinstance(value, bool) or not isinstance(value, kinds[name]):
                raise ConfigurationError(
                    f"request limit {name}: {value!r} is not of type {kinds[name][-1].__name__} "
                    f"(default {default_text})"
                )
            zero: Any = timedelta(0) if isinstance(value, timedelta) else 0
            if value <= zero:
                raise ConfigurationError(
                    f"request limit {name}: {_limit_value_text(name, value)} must be positive "
                    f"(default {default_text})"
                )
            looser = value < default if name in _RAISE_ONLY else value > default
            if looser:
                direction = "raised" if name in _RAISE_ONLY else "lowered"
                raise ConfigurationError(
                    f"request limit {name} ({LIMIT_NAMES[name]}): "
                    f"{_limit_value_text(name, value)} is looser than the default "
                    f"{default_text}; it may only be {direction}"
                )
        limits = replace(defaults, **overrides)
        if limits.min_window > limits.max_window:
            raise ConfigurationError(
                f"request limits: min_window {duration_text(limits.min_window)} is longer than "
                f"max_window {duration_text(limits.max_window)}; no request could pass"
            )
        return limits

    @classmethod
    def from_public(cls, values: Mapping[str, float]) -> RequestLimits:
        """``tightened``, with limits keyed and counted as on the public limits page."""
        overrides: dict[str, Any] = {}
        for key, value in values.items():
            name = key.removesuffix("_seconds")
            if key != name and name in _DURATIONS:
                overrides[name] = timedelta(seconds=value)
            else:
                overrides[key] = value
        return cls.tightened(**overrides)

    def public(self) -> dict[str, Any]:
        """The limits as plain numbers (m², seconds, days, counts) for the public limits page."""
        plain: dict[str, Any] = {}
        for limit in fields(self):
            value = getattr(self, limit.name)
            if isinstance(value, timedelta):
                plain[f"{limit.name}_seconds"] = _seconds(value)
            else:
                plain[limit.name] = value
        return plain


# The limits that are durations: seconds on the public page and in settings.
_DURATIONS = frozenset(limit.name for limit in fields(RequestLimits) if limit.type == "timedelta")


@dataclass(frozen=True)
class AgencyStanding:
    """What the admins decided about the agency filing the request."""

    verified: bool
    suspended: bool
    jurisdiction: Polygon | MultiPolygon | None


@dataclass(frozen=True)
class ProposedRequest:
    """A request as filed, before anything is kept; ``now`` is when it is being filed."""

    investigation_code: str
    category: str
    details: str
    attested: bool
    area: RequestArea
    window_start: datetime
    window_end: datetime
    open_until: datetime
    retention_days: int
    emergency: bool
    emergency_reason: str | None
    now: datetime


@dataclass(frozen=True)
class BudgetUse:
    """The agency's use of its budgets before this request.

    ``code_requests`` and ``code_area_m2`` count every earlier request under the same
    investigation code, withdrawn ones too, so withdrawing and re-filing can't reset them;
    ``agency_requests_in_period`` counts the agency's requests created in the last
    ``RequestLimits.agency_period``.
    """

    code_requests: int
    code_area_m2: float
    agency_requests_in_period: int


def check_request(
    proposed: ProposedRequest,
    *,
    standing: AgencyStanding,
    budget: BudgetUse,
    limits: RequestLimits = RequestLimits(),
) -> None:
    """Refuse the request unless it keeps every limit; returns quietly if it does.

    Checked in order: the agency's standing, the purpose, the shape, then the budgets,
    so a refusal names the most basic problem first. Exactly at a limit passes.
    """
    if proposed.now.tzinfo is None:
        raise ValueError("check_request: now must be timezone-aware (UTC)")
    _check_standing(standing)
    check_purpose(
        category=proposed.category,
        attested=proposed.attested,
        texts={
            "investigation_code": proposed.investigation_code,
            "details": proposed.details,
            "emergency_reason": proposed.emergency_reason,
        },
        emergency=proposed.emergency,
    )
    _check_shape(proposed, standing, limits)
    _check_budget(proposed, budget, limits)


def _check_standing(standing: AgencyStanding) -> None:
    if not standing.verified:
        raise PermissionDenied("agency: not verified by an admin yet")
    if standing.suspended:
        raise PermissionDenied("agency: suspended by an admin; it can't file requests")


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _over(field: str, given: str, name: str, limit: str) -> LimitExceeded:
    return LimitExceeded(f"{field}: {given}; the {LIMIT_NAMES[name]} is {limit}", field=field)


def _areas_text(given_m2: float, limit_m2: float) -> tuple[str, str]:
    """Both areas in km², falling back to whole m² where km² can't tell them apart."""
    given, limit = area_km2_text(given_m2), area_km2_text(limit_m2)
    if given == limit:
        return f"{round(given_m2):,} m²", f"{round(limit_m2):,} m²"
    return given, limit


def _check_shape(
    proposed: ProposedRequest, standing: AgencyStanding, limits: RequestLimits
) -> None:
    for field in ("window_start", "window_end", "open_until"):
        if getattr(proposed, field).tzinfo is None:
            raise InvalidInput(f"{field}: a time zone is required (UTC)", field=field)
    now = proposed.now

    # Whole square metres, so a shape drawn to be exactly the limit isn't refused for float noise.
    if round(proposed.area.area_m2) > limits.max_area_m2:
        given, limit = _areas_text(proposed.area.area_m2, limits.max_area_m2)
        raise _over("location", f"the area is {given}", "max_area_m2", limit)

    window = proposed.window_end - proposed.window_start
    if window < limits.min_window:
        raise _over(
            "window",
            f"{duration_text(window)} from {_at(proposed.window_start)} "
            f"to {_at(proposed.window_end)} is too short",
            "min_window",
            duration_text(limits.min_window),
        )
    if window > limits.max_window:
        raise _over(
            "window",
            f"{duration_text(window)} is too long",
            "max_window",
            duration_text(limits.max_window),
        )
    if proposed.window_start < now - limits.max_incident_age:
        raise _over(
            "window_start",
            f"{_at(proposed.window_start)} is {duration_text(now - proposed.window_start)} ago",
            "max_incident_age",
            duration_text(limits.max_incident_age),
        )
    if proposed.window_end > now:
        raise LimitExceeded(
            f"window_end: {_at(proposed.window_end)} is in the future (now {_at(now)}); "
            "requests are about incidents that happened",
            field="window_end",
        )
    if proposed.open_until <= now:
        raise LimitExceeded(
            f"open_until: {_at(proposed.open_until)} is not after now ({_at(now)})",
            field="open_until",
        )
    if proposed.open_until > now + limits.max_open:
        raise _over(
            "open_until",
            f"{_at(proposed.open_until)} is {duration_text(proposed.open_until - now)} from now",
            "max_open",
            duration_text(limits.max_open),
        )
    if proposed.retention_days < 1:
        raise LimitExceeded(
            f"retention_days: {proposed.retention_days} days; clips must be kept at least 1 day",
            field="retention_days",
        )
    if proposed.retention_days > limits.max_retention_days:
        raise _over(
            "retention_days",
            f"{proposed.retention_days} days is too long",
            "max_retention_days",
            f"{limits.max_retention_days} days",
        )
    if standing.jurisdiction is None:
        raise PermissionDenied("agency: no jurisdiction recorded; an admin must set one first")
    if not covers(standing.jurisdiction, proposed.area):
        raise LimitExceeded(
            f"location: the area around ({proposed.area.latitude:.5f}, "
            f"{proposed.area.longitude:.5f}) is not wholly inside the agency's jurisdiction",
            field="location",
        )


def _check_budget(proposed: ProposedRequest, budget: BudgetUse, limits: RequestLimits) -> None:
    field = "investigation_code"
    if budget.code_requests + 1 > limits.code_max_requests:
        raise _over(
            field,
            f"this would be request {budget.code_requests + 1} under this code "
            f"({budget.code_requests} used)",
            "code_max_requests",
            f"{limits.code_max_requests} requests",
        )
    # Whole square metres, as for one area: the budget holds exactly-at-the-limit shapes.
    total = round(budget.code_area_m2) + round(proposed.area.area_m2)
    if total > limits.code_max_area_m2:
        given, limit = _areas_text(total, limits.code_max_area_m2)
        raise _over(
            field,
            f"this request would bring the code's total area to {given} "
            f"({area_km2_text(budget.code_area_m2)} used)",
            "code_max_area_m2",
            limit,
        )
    if budget.agency_requests_in_period + 1 > limits.agency_max_requests:
        raise _over(
            "agency",
            f"this would be request {budget.agency_requests_in_period + 1} in the last "
            f"{duration_text(limits.agency_period)}",
            "agency_max_requests",
            f"{limits.agency_max_requests} requests per {duration_text(limits.agency_period)}",
        )
