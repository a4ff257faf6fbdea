"""``doorstep bench match`` fills a small city and times real matches on both backends."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from doorstep.bench.match import MatchBenchResult, MatchFigures, count_label
from doorstep.cli import app
from tests.database import POSTGRES_URL

SMALL = ["--cameras", "2000", "--requests", "20"]


def bench(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["bench", "match", *SMALL, *arguments])
    return result.exit_code, result.output


@pytest.mark.postgres
def test_bench_match_json_has_the_figures_of_each_backend_and_count() -> None:
    code, output = bench("--postgres-url", POSTGRES_URL, "--json")

    assert code == 0, output
    report = json.loads(output)
    for backend in ("sqlite", "postgres"):
        assert 0 < report[f"{backend}_p50_ms_2k"] <= report[f"{backend}_p99_ms_2k"]
        assert 0 < report[f"{backend}_lookup_p50_ms_2k"] <= report[f"{backend}_lookup_p99_ms_2k"]
        # 2,000 cameras on 2 km²: a 0.5 km² request holds hundreds, a dozen or so recorded.
        assert report[f"{backend}_homes_mean_2k"] > 1
    assert report["goal_postgres_p99_ms_1m"] == 10.0 and report["goal_met"] is None
    assert [(run["backend"], run["cameras"]) for run in report["runs"]] == [
        ("sqlite", 2000),
        ("postgres", 2000),
    ]
    for run in report["runs"]:
        assert run["homes"] == 1000 and 2000 <= run["clips"] <= 6000
        assert 40 <= run["cells_mean"] <= 70
        assert run["candidates_mean"] > run["homes_mean"]
        assert run["area_km2"] == 2.0


def test_bench_match_prints_a_table_with_its_baseline() -> None:
    code, output = bench("--backend", "sqlite")

    assert code == 0, output
    for row in ("match p50 ms", "match p99 ms", "baseline p50 ms", "homes matched", "sqlite 2k"):
        assert row in output
    assert "postgres" not in output.split("PostgreSQL p99")[0]
    assert "PostgreSQL p99 at 1,000,000 cameras: not measured" in output


def test_bench_match_refuses_bad_options_and_an_unreachable_server() -> None:
    code, output = bench("--backend", "mysql")
    assert code != 0 and "--backend is sqlite, postgres or both, not 'mysql'" in output

    code, output = bench("--cameras", "1k")
    assert code != 0 and "--cameras takes counts separated by commas" in output

    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    code, output = bench("--backend", "postgres", "--postgres-url", unreachable)
    assert code != 0 and "can't reach PostgreSQL" in output


def test_the_goal_is_postgresql_p99_at_a_million_cameras() -> None:
    run = MatchFigures(
        backend="postgres",
        cameras=1_000_000,
        homes=500_000,
        clips=2_000_000,
        area_km2=1_000.0,
        fill_s=1.0,
        p50_ms=4.0,
        p99_ms=9.0,
        max_ms=12.0,
        lookup_p50_ms=0.5,
        lookup_p99_ms=0.8,
        homes_mean=16.0,
        cells_mean=51.0,
        candidates_mean=700.0,
    )
    slow = replace(run, p99_ms=11.0)
    sqlite = replace(run, backend="sqlite", p99_ms=50.0)

    assert MatchBenchResult(requests=200, runs=[sqlite, run]).goal_met is True
    assert MatchBenchResult(requests=200, runs=[slow]).goal_met is False
    assert MatchBenchResult(requests=200, runs=[sqlite]).goal_met is None
    figures = MatchBenchResult(requests=200, runs=[run]).as_json()
    assert figures["postgres_p99_ms_1m"] == 9.0 and figures["postgres_p50_ms_1m"] == 4.0
    assert run.lookups_per_match == 8.0


def test_count_labels() -> None:
    assert [count_label(n) for n in (1_000_000, 100_000, 2_000, 2_500)] == [
        "1m",
        "100k",
        "2k",
        "2500",
    ]
