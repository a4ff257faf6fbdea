"""Request limits tightened by DOORSTEP_REQUEST_* settings: enforced, published, never looser.

Each case is a request that keeps the default limits but not the tightened one: it is
filed on a hub with the defaults (201) and on a hub with the setting (422 naming the
limit), and the limits page and the agencies' budget page show the tightened value.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from pydantic import ValidationError

from doorstep.errors import ConfigurationError
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.requests.policy import LIMIT_NAMES, RequestLimits
from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.cli.processes import free_port
from tests.hub.actors import Actors
from tests.hub.shares import scene

# About 0.196 km²: inside the default 0.5 km² area and 1 km² code budget.
MEDIUM_CIRCLE = {"circle": {"latitude": 45.5, "longitude": -122.6, "radius_m": 250}}
ELSEWHERE = {"circle": {"latitude": 45.52, "longitude": -122.6, "radius_m": 250}}


def _window(start: timedelta, length: timedelta) -> dict[str, str]:
    begins = scene.now() - start
    return {"window_start": begins.isoformat(), "window_end": (begins + length).isoformat()}


@dataclass(frozen=True)
class Case:
    env: dict[str, int]
    probe: dict[str, Any]  # keeps the defaults, breaks the tightened limit
    field: str
    limit: str  # the LIMIT_NAMES key its refusal names
    first: list[dict[str, Any]] = field(default_factory=list)  # filed before the probe
    backdate_first: timedelta = timedelta(0)


CASES = {
    "max_area": Case(
        {"DOORSTEP_REQUEST_MAX_AREA_M2": 100_000},
        {"location": MEDIUM_CIRCLE},
        "location",
        "max_area_m2",
    ),
    "min_window": Case(
        {"DOORSTEP_REQUEST_MIN_WINDOW_SECONDS": 3600},
        _window(timedelta(minutes=31), timedelta(minutes=30)),
        "window",
        "min_window",
    ),
    "max_window": Case(
        {"DOORSTEP_REQUEST_MAX_WINDOW_SECONDS": 3600},
        _window(timedelta(hours=3), timedelta(hours=2)),
        "window",
        "max_window",
    ),
    "max_incident_age": Case(
        {"DOORSTEP_REQUEST_MAX_INCIDENT_AGE_SECONDS": 86_400},
        _window(timedelta(days=2), timedelta(hours=1)),
        "window_start",
        "max_incident_age",
    ),
    "max_open": Case(
        {"DOORSTEP_REQUEST_MAX_OPEN_SECONDS": 86_400},
        {"open_until": (scene.now() + timedelta(days=2)).isoformat()},
        "open_until",
        "max_open",
    ),
    "max_retention": Case(
        {"DOORSTEP_REQUEST_MAX_RETENTION_DAYS": 30},
        {"retention_days": 90},
        "retention_days",
        "max_retention_days",
    ),
    "code_requests": Case(
        {"DOORSTEP_REQUEST_CODE_MAX_REQUESTS": 1},
        {},
        "investigation_code",
        "code_max_requests",
        first=[{}],
    ),
    "code_area": Case(
        {"DOORSTEP_REQUEST_CODE_MAX_AREA_M2": 300_000},
        {"location": ELSEWHERE},
        "investigation_code",
        "code_max_area_m2",
        first=[{"location": MEDIUM_CIRCLE}],
    ),
    "agency_requests": Case(
        {"DOORSTEP_REQUEST_AGENCY_MAX_REQUESTS": 1},
        {"investigation_code": "CASE-2"},
        "agency",
        "agency_max_requests",
        first=[{}],
    ),
    # A request 40 days old counts in a 60-day period, not in the default 30 days: with
    # one request allowed, the period alone decides.
    "agency_period": Case(
        {
            "DOORSTEP_REQUEST_AGENCY_MAX_REQUESTS": 1,
            "DOORSTEP_REQUEST_AGENCY_PERIOD_SECONDS": 60 * 86_400,
        },
        {"investigation_code": "CASE-2"},
        "agency",
        "agency_max_requests",
        first=[{}],
        backdate_first=timedelta(days=40),
    ),
}


async def _file_the_case(
    case: Case, actors: Actors, client: AsyncClient, hub: HubState
) -> tuple[int, dict[str, Any]]:
    """File the case's earlier requests (backdated if it says so), then its probe."""
    agency = await scene.agency(actors, client)
    for changes in case.first:
        filed = await scene.file_request(client, agency, **changes)
        with hub.sessions.begin() as session:
            row = session.get_one(FootageRequest, uuid.UUID(filed["id"]))
            row.created_at -= case.backdate_first
    response = await client.post(
        "/v1/agency/requests", json=scene.request_body(**case.probe), headers=agency.member.headers
    )
    return response.status_code, response.json()


@pytest.fixture
def case(request: pytest.FixtureRequest) -> Case | None:
    """The case a test is parametrized with; None runs the hub on the default limits."""
    chosen: Case | None = getattr(request, "param", None)
    return chosen


@pytest.fixture
def settings(settings: Settings, case: Case | None, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The hub's test settings, with the case's variables set and read from the environment."""
    if case is None:
        return settings
    for variable, value in case.env.items():
        monkeypatch.setenv(variable, str(value))
    return Settings(**settings.model_dump(exclude_unset=True))


async def test_every_probe_keeps_the_default_limits(
    actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    assert hub.request_limits == RequestLimits()
    for name, case in CASES.items():
        status, filed = await _file_the_case(case, actors, client, hub)
        assert status == 201, (name, filed)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES), indirect=True)
async def test_a_tightened_limit_is_enforced_and_published(
    case: Case, actors: Actors, client: AsyncClient, hub: HubState
) -> None:
    status, refused = await _file_the_case(case, actors, client, hub)

    assert status == 422, refused
    assert refused["detail"].startswith(case.field), refused["detail"]
    assert LIMIT_NAMES[case.limit] in refused["detail"]
    if case.backdate_first:
        assert "in the last 60 days" in refused["detail"]
    published = (await client.get("/v1/requests/limits")).json()["limits"]
    for variable, value in case.env.items():
        assert published[variable.removeprefix("DOORSTEP_REQUEST_").lower()] == value
    [listed] = (await client.get("/v1/agencies")).json()["data"]
    assert listed["request_budget"] == case.env.get("DOORSTEP_REQUEST_AGENCY_MAX_REQUESTS", 20)
    period = case.env.get("DOORSTEP_REQUEST_AGENCY_PERIOD_SECONDS", 30 * 86_400)
    assert listed["budget_period_days"] == period // 86_400


@pytest.mark.parametrize("case", [CASES["max_retention"]], ids=["max_retention"], indirect=True)
async def test_retention_left_out_is_the_tightened_limit(
    case: Case, actors: Actors, client: AsyncClient
) -> None:
    agency = await scene.agency(actors, client)
    body = scene.request_body()
    del body["retention_days"]
    response = await client.post("/v1/agency/requests", json=body, headers=agency.member.headers)
    assert response.status_code == 201, response.text
    assert response.json()["retention_days"] == 30


# Looser values refuse to start

LOOSER = [
    ("DOORSTEP_REQUEST_MAX_AREA_M2", 600_000, "0.6 km² is looser than the default 0.5 km²"),
    ("DOORSTEP_REQUEST_MIN_WINDOW_SECONDS", 600, "10 min is looser than the default 15 min"),
    ("DOORSTEP_REQUEST_MAX_WINDOW_SECONDS", 46_800, "13 h is looser than the default 12 h"),
    (
        "DOORSTEP_REQUEST_MAX_INCIDENT_AGE_SECONDS",
        31 * 86_400,
        "31 days is looser than the default 30 days",
    ),
    ("DOORSTEP_REQUEST_MAX_OPEN_SECONDS", 15 * 86_400, "15 days is looser than the default 14"),
    ("DOORSTEP_REQUEST_MAX_RETENTION_DAYS", 365, "365 days is looser than the default 180 days"),
    ("DOORSTEP_REQUEST_CODE_MAX_REQUESTS", 4, "4 is looser than the default 3"),
    ("DOORSTEP_REQUEST_CODE_MAX_AREA_M2", 2_000_000, "2 km² is looser than the default 1 km²"),
    ("DOORSTEP_REQUEST_AGENCY_MAX_REQUESTS", 21, "21 is looser than the default 20"),
    ("DOORSTEP_REQUEST_AGENCY_PERIOD_SECONDS", 86_400, "1 day is looser than the default 30 days"),
    ("DOORSTEP_REQUEST_MAX_OPEN_SECONDS", 0, "0 s must be positive (default 14 days)"),
    ("DOORSTEP_REQUEST_MIN_WINDOW_SECONDS", 50_000, "longer than max_window 12 h"),
]


@pytest.mark.parametrize(("variable", "value", "shown"), LOOSER)
def test_a_looser_setting_is_refused_naming_variable_value_and_default(
    variable: str, value: int, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, str(value))
    with pytest.raises(ConfigurationError) as caught:
        Settings()
    assert caught.value.detail.startswith(f"{variable}={value}: ")
    assert shown in caught.value.detail
    assert "\n" not in caught.value.detail


def test_the_variable_that_makes_the_set_impossible_is_blamed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOORSTEP_REQUEST_MIN_WINDOW_SECONDS", "7200")
    monkeypatch.setenv("DOORSTEP_REQUEST_MAX_WINDOW_SECONDS", "3600")
    with pytest.raises(ConfigurationError, match="^DOORSTEP_REQUEST_MAX_WINDOW_SECONDS=3600: "):
        Settings()


def test_settings_tighten_only_the_limits_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_REQUEST_MAX_AREA_M2", "250000")
    monkeypatch.setenv("DOORSTEP_REQUEST_MIN_WINDOW_SECONDS", "1800")
    monkeypatch.setenv("DOORSTEP_REQUEST_MAX_RETENTION_DAYS", "90")
    assert Settings().request_limits() == RequestLimits(
        max_area_m2=250_000, min_window=timedelta(minutes=30), max_retention_days=90
    )
    monkeypatch.setenv("DOORSTEP_REQUEST_CODE_MAX_REQUESTS", "two")
    with pytest.raises(ValidationError, match="request_code_max_requests"):
        Settings()


def test_hub_serve_refuses_a_looser_setting_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DOORSTEP_DATA_DIR": str(tmp_path),
        "DOORSTEP_REQUEST_MAX_AREA_M2": "600000",
    }
    port = str(free_port())
    done = subprocess.run(
        [sys.executable, "-m", "doorstep", "hub", "serve", "--port", port, "--workers", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert "DOORSTEP_REQUEST_MAX_AREA_M2=600000" in line
    assert "looser than the default 0.5 km²" in line
