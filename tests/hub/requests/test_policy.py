from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doorstep.errors import ConfigurationError, InvalidInput, LimitExceeded, PermissionDenied
from doorstep.hub.requests.geometry import RequestArea, circle_area, parse_jurisdiction
from doorstep.hub.requests.policy import (
    LIMIT_NAMES,
    AgencyStanding,
    BudgetUse,
    ProposedRequest,
    RequestLimits,
    check_request,
    duration_text,
)
from doorstep.hub.requests.purpose import PURPOSE_ATTESTATION, IncidentCategory

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LIMITS = RequestLimits()
TICK = timedelta(microseconds=1)
# A 0.2° square around (50.1, 10.1): about 310 km², room for every area below.
JURISDICTION = parse_jurisdiction(
    {
        "type": "Polygon",
        "coordinates": [[[10.0, 50.0], [10.2, 50.0], [10.2, 50.2], [10.0, 50.2], [10.0, 50.0]]],
    }
)
STANDING = AgencyStanding(verified=True, suspended=False, jurisdiction=JURISDICTION)
NO_USE = BudgetUse(code_requests=0, code_area_m2=0.0, agency_requests_in_period=0)


def circle_of(area_m2: int, latitude: float = 50.1, longitude: float = 10.1) -> RequestArea:
    """A circle whose geodesic area rounds to exactly ``area_m2``."""
    low, high = math.sqrt(area_m2 / math.pi), math.sqrt(area_m2 / math.pi) * 1.01
    for _ in range(100):
        middle = (low + high) / 2
        area = circle_area(latitude, longitude, middle)
        if round(area.area_m2) == area_m2:
            return area
        low, high = (middle, high) if area.area_m2 < area_m2 else (low, middle)
    raise AssertionError(f"no circle of {area_m2} m²")


def proposed(**changes: Any) -> ProposedRequest:
    request = ProposedRequest(
        investigation_code="CASE-2025-0601",
        category="burglary",
        details="Burglary at 14 Elm St: a back door was forced between 01:00 and 02:00.",
        attested=True,
        area=circle_area(50.1, 10.1, 200),
        window_start=NOW - timedelta(days=2),
        window_end=NOW - timedelta(days=2) + timedelta(hours=1),
        open_until=NOW + timedelta(days=7),
        retention_days=90,
        emergency=False,
        emergency_reason=None,
        now=NOW,
    )
    return replace(request, **changes)


def refusal(
    request: ProposedRequest,
    *,
    standing: AgencyStanding = STANDING,
    budget: BudgetUse = NO_USE,
    kind: type[Exception] = LimitExceeded,
) -> Any:
    with pytest.raises(kind) as caught:
        check_request(request, standing=standing, budget=budget)
    return caught.value


def test_defaults_are_the_design_limits() -> None:
    assert LIMITS.max_area_m2 == 500_000
    assert (LIMITS.min_window, LIMITS.max_window) == (timedelta(minutes=15), timedelta(hours=12))
    assert LIMITS.max_incident_age == timedelta(days=30)
    assert LIMITS.max_open == timedelta(days=14)
    assert LIMITS.max_retention_days == 180
    assert (LIMITS.code_max_requests, LIMITS.code_max_area_m2) == (3, 1_000_000)
    assert (LIMITS.agency_max_requests, LIMITS.agency_period) == (20, timedelta(days=30))


def test_categories_are_reported_incidents_only() -> None:
    values = {category.value for category in IncidentCategory}

    assert len(values) == 15
    assert {"burglary", "hit_and_run", "public_health_hazard"} <= values
    assert not values & {"other", "suspicious_person", "suspicious_activity", "protest"}


def test_purpose_attestation_excludes_the_forbidden_purposes() -> None:
    for words in ("reported incident", "assembly or protest", "immigration status", "appearance"):
        assert words in PURPOSE_ATTESTATION


def test_an_ordinary_request_passes() -> None:
    check_request(proposed(), standing=STANDING, budget=NO_USE)


def test_a_request_exactly_at_every_limit_passes() -> None:
    check_request(
        proposed(
            area=circle_of(500_000),
            window_start=NOW - timedelta(days=30),
            window_end=NOW - timedelta(days=30) + timedelta(hours=12),
            open_until=NOW + timedelta(days=14),
            retention_days=180,
            emergency=True,
            emergency_reason="x" * 20,
        ),
        standing=STANDING,
        budget=BudgetUse(code_requests=2, code_area_m2=500_000.0, agency_requests_in_period=19),
    )
    check_request(
        proposed(window_start=NOW - timedelta(minutes=15), window_end=NOW, retention_days=1),
        standing=STANDING,
        budget=NO_USE,
    )


# Standing


def test_unverified_agency_is_refused_before_anything_else() -> None:
    error = refusal(
        proposed(category="protest", area=circle_area(50.1, 10.1, 5_000)),
        standing=replace(STANDING, verified=False),
        kind=PermissionDenied,
    )
    assert error.detail == "agency: not verified by an admin yet"


def test_suspended_agency_is_refused() -> None:
    error = refusal(proposed(), standing=replace(STANDING, suspended=True), kind=PermissionDenied)
    assert "suspended" in error.detail


# Purpose


def test_category_outside_the_list_is_refused_listing_the_allowed_ones() -> None:
    error = refusal(
        proposed(category="suspicious_person", area=circle_area(50.1, 10.1, 5_000)),
        kind=InvalidInput,
    )
    assert not isinstance(error, LimitExceeded)  # purpose comes before shape
    assert error.field == "category"
    assert "'suspicious_person'" in error.detail
    assert all(category.value in error.detail for category in IncidentCategory)


def test_request_without_the_attestation_is_refused() -> None:
    error = refusal(proposed(attested=False), kind=InvalidInput)
    assert error.field == "attests_purpose"
    assert PURPOSE_ATTESTATION in error.detail


@pytest.mark.parametrize("reason", [None, "", " " * 30, "x" * 19])
def test_emergency_needs_a_reason_of_20_characters(reason: str | None) -> None:
    error = refusal(proposed(emergency=True, emergency_reason=reason), kind=InvalidInput)
    assert error.field == "emergency_reason"
    assert f"{len((reason or '').strip())} characters given" in error.detail


# Shape: one step over each limit


def test_area_one_square_metre_over_is_refused() -> None:
    error = refusal(proposed(area=circle_of(500_001)))
    assert error.field == "location"
    assert "500,001 m²" in error.detail
    assert LIMIT_NAMES["max_area_m2"] in error.detail


def test_area_over_the_limit_names_it_in_km2() -> None:
    error = refusal(proposed(area=circle_of(620_000)))
    assert (
        error.detail == "location: the area is 0.62 km²; the largest area of a request is 0.5 km²"
    )


@pytest.mark.parametrize(
    ("length", "shown", "limit"),
    [
        (timedelta(minutes=15) - TICK, "14 min 59.999999 s", "min_window"),
        (timedelta(hours=12) + TICK, "12 h 0.000001 s", "max_window"),
        (-timedelta(hours=1), "-1 h", "min_window"),
    ],
)
def test_window_too_short_or_too_long_is_refused(length: timedelta, shown: str, limit: str) -> None:
    start = NOW - timedelta(days=1)

    error = refusal(proposed(window_start=start, window_end=start + length))

    assert error.field == "window"
    assert shown in error.detail
    assert LIMIT_NAMES[limit] in error.detail


def test_incident_older_than_30_days_is_refused() -> None:
    start = NOW - timedelta(days=30) - TICK

    error = refusal(proposed(window_start=start, window_end=start + timedelta(hours=1)))

    assert error.field == "window_start"
    assert start.isoformat(timespec="seconds") in error.detail
    assert "30 days 0.000001 s ago" in error.detail
    assert LIMIT_NAMES["max_incident_age"] in error.detail


def test_window_ending_in_the_future_is_refused() -> None:
    end = NOW + TICK

    error = refusal(proposed(window_start=end - timedelta(hours=1), window_end=end))

    assert error.field == "window_end"
    assert "in the future" in error.detail


@pytest.mark.parametrize(
    ("open_until", "shown"),
    [
        (NOW + timedelta(days=14) + TICK, "14 days 0.000001 s from now"),
        (NOW, "is not after now"),
    ],
)
def test_open_until_must_be_after_now_and_within_14_days(open_until: datetime, shown: str) -> None:
    error = refusal(proposed(open_until=open_until))

    assert error.field == "open_until"
    assert shown in error.detail


@pytest.mark.parametrize(("days", "shown"), [(181, "181 days"), (0, "0 days")])
def test_retention_must_be_1_to_180_days(days: int, shown: str) -> None:
    error = refusal(proposed(retention_days=days))

    assert error.field == "retention_days"
    assert shown in error.detail


def test_area_outside_the_jurisdiction_is_refused() -> None:
    error = refusal(proposed(area=circle_area(50.2, 10.1, 300)))  # straddles the north edge
    assert error.field == "location"
    assert "jurisdiction" in error.detail


def test_agency_without_a_jurisdiction_may_not_file() -> None:
    error = refusal(
        proposed(), standing=replace(STANDING, jurisdiction=None), kind=PermissionDenied
    )
    assert "jurisdiction" in error.detail


def test_naive_times_are_refused() -> None:
    error = refusal(proposed(open_until=datetime(2025, 6, 2)), kind=InvalidInput)
    assert error.field == "open_until"


# Budgets


def test_fourth_request_under_one_code_is_refused() -> None:
    error = refusal(
        proposed(), budget=BudgetUse(code_requests=3, code_area_m2=0, agency_requests_in_period=3)
    )
    assert error.field == "investigation_code"
    assert "request 4 under this code (3 used)" in error.detail
    assert LIMIT_NAMES["code_max_requests"] in error.detail


def test_code_area_budget_names_the_total_and_the_use_so_far() -> None:
    error = refusal(
        proposed(area=circle_of(500_000)),
        budget=BudgetUse(code_requests=1, code_area_m2=700_000, agency_requests_in_period=1),
    )
    assert error.field == "investigation_code"
    assert error.detail == (
        "investigation_code: this request would bring the code's total area to 1.2 km² "
        "(0.7 km² used); the budget of total area per investigation code is 1 km²"
    )


def test_code_area_budget_one_square_metre_over_is_refused() -> None:
    error = refusal(
        proposed(area=circle_of(500_000)),
        budget=BudgetUse(code_requests=2, code_area_m2=500_001, agency_requests_in_period=2),
    )
    assert error.field == "investigation_code"
    assert "1,000,001 m²" in error.detail


def test_twenty_first_agency_request_in_30_days_is_refused() -> None:
    error = refusal(
        proposed(), budget=BudgetUse(code_requests=0, code_area_m2=0, agency_requests_in_period=20)
    )
    assert error.field == "agency"
    assert "request 21 in the last 30 days" in error.detail
    assert "20 requests per 30 days" in error.detail


def file_tiles(tiles: list[RequestArea]) -> tuple[list[RequestArea], list[LimitExceeded]]:
    """File each tile under one code, feeding the budget from the ones accepted so far."""
    accepted: list[RequestArea] = []
    refused: list[LimitExceeded] = []
    for tile in tiles:
        use = BudgetUse(
            code_requests=len(accepted),
            code_area_m2=sum(area.area_m2 for area in accepted),
            agency_requests_in_period=len(accepted),
        )
        try:
            check_request(proposed(area=tile), standing=STANDING, budget=use)
        except LimitExceeded as error:
            refused.append(error)
        else:
            accepted.append(tile)
    return accepted, refused


def test_tiling_2_km2_with_half_km2_requests_is_stopped_at_1_km2() -> None:
    tiles = [
        circle_of(500_000, 50.05 + 0.02 * row, 10.05 + 0.03 * col)
        for row in (0, 1)
        for col in (0, 1)
    ]

    accepted, refused = file_tiles(tiles)

    assert len(accepted) == 2
    assert round(sum(area.area_m2 for area in accepted)) <= 1_000_000
    assert [error.field for error in refused] == ["investigation_code"] * 2


def test_tiling_with_smaller_requests_is_stopped_by_the_request_count() -> None:
    tiles = [circle_of(250_000, 50.05, 10.02 + 0.02 * col) for col in range(8)]

    accepted, refused = file_tiles(tiles)

    assert len(accepted) == 3
    assert all("request 4 under this code" in error.detail for error in refused)


# Configuring the limits


def test_limits_may_be_tightened() -> None:
    limits = RequestLimits.tightened(
        max_area_m2=250_000,
        min_window=timedelta(minutes=30),
        max_retention_days=90,
        agency_period=timedelta(days=60),
    )

    assert (limits.max_area_m2, limits.max_retention_days) == (250_000, 90)
    assert (limits.min_window, limits.agency_period) == (timedelta(minutes=30), timedelta(days=60))
    assert limits.max_window == LIMITS.max_window
    assert RequestLimits.tightened() == LIMITS
    assert RequestLimits.tightened(max_area_m2=500_000, min_window=timedelta(minutes=15)) == LIMITS


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("max_area_m2", 600_000, "0.6 km² is looser than the default 0.5 km²"),
        ("max_window", timedelta(hours=13), "13 h is looser than the default 12 h"),
        ("min_window", timedelta(minutes=5), "5 min is looser than the default 15 min"),
        ("max_retention_days", 365, "365 days is looser than the default 180 days"),
        ("code_max_requests", 4, "4 is looser than the default 3"),
        ("agency_period", timedelta(days=7), "7 days is looser than the default 30 days"),
        ("max_open", timedelta(0), "must be positive"),
        ("max_open", 14, "is not of type timedelta"),
        ("agency_max_requests", 10.5, "is not of type int"),
        ("max_speed", 1, "'max_speed' is unknown"),
        ("min_window", timedelta(hours=13), "longer than max_window"),
    ],
)
def test_limits_may_not_be_loosened(name: str, value: object, shown: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        RequestLimits.tightened(**{name: value})

    assert shown in caught.value.detail
    assert name in caught.value.detail


def test_tightened_limits_are_enforced() -> None:
    limits = RequestLimits.tightened(max_area_m2=100_000)

    with pytest.raises(LimitExceeded, match="is 0.1 km²"):
        check_request(
            proposed(area=circle_of(200_000)), standing=STANDING, budget=NO_USE, limits=limits
        )


def test_public_limits_are_plain_numbers() -> None:
    assert LIMITS.public() == {
        "max_area_m2": 500_000,
        "min_window_seconds": 900,
        "max_window_seconds": 43_200,
        "max_incident_age_seconds": 2_592_000,
        "max_open_seconds": 1_209_600,
        "max_retention_days": 180,
        "code_max_requests": 3,
        "code_max_area_m2": 1_000_000,
        "agency_max_requests": 20,
        "agency_period_seconds": 2_592_000,
    }


def test_every_limit_has_a_name() -> None:
    assert set(LIMIT_NAMES) == set(RequestLimits.__dataclass_fields__)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=15), "15 min"),
        (timedelta(days=1, hours=2), "1 day 2 h"),
        (timedelta(seconds=90.5), "1 min 30.5 s"),
        (timedelta(0), "0 s"),
    ],
)
def test_duration_text(duration: timedelta, text: str) -> None:
    assert duration_text(duration) == text
