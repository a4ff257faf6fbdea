"""``doorstep bench audit`` fills, proves and replays a real log on both backends."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from doorstep.cli import app
from tests.database import POSTGRES_URL

SMALL = ["--entries", "2000", "--batch", "50", "--single", "100", "--proofs", "100"]


def bench(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["bench", "audit", *SMALL, *arguments])
    return result.exit_code, result.output


@pytest.mark.postgres
def test_bench_audit_json_has_the_goal_figures_for_both_backends() -> None:
    code, output = bench("--postgres-url", POSTGRES_URL, "--json")

    assert code == 0, output
    report = json.loads(output)
    assert report["backend"] == "sqlite" and set(report["backends"]) == {"sqlite", "postgresql"}
    for figures in report["backends"].values():
        for key in ("appends_per_s", "proof_p99_ms", "verify_1m_s", "baseline_inserts_per_s"):
            assert figures[key] > 0, key
        assert figures["proof_p50_ms"] <= figures["proof_p99_ms"]
        assert figures["verify_1m_s"] == pytest.approx(figures["verify_s"] * 1e6 / 2100)
    sqlite = report["backends"]["sqlite"]
    assert [report[k] for k in ("appends_per_s", "proof_p99_ms", "verify_1m_s")] == [
        sqlite["appends_per_s"],
        sqlite["proof_p99_ms"],
        sqlite["verify_1m_s"],
    ]
    assert set(sqlite["goals_met"]) == {"appends_per_s", "proof_p99_ms", "verify_1m_s"}
    assert report["entries"] == 2000 and report["goals"]["verify_1m_s"] == 10.0


def test_bench_audit_prints_a_table_with_its_baselines() -> None:
    code, output = bench("--backend", "sqlite")

    assert code == 0, output
    for row in ("appends/s", "baseline: bare inserts/s", "inclusion proof p99 ms", "replay s"):
        assert row in output
    assert "postgresql" not in output


def test_bench_audit_refuses_an_unknown_backend_and_an_unreachable_server() -> None:
    code, output = bench("--backend", "mysql")
    assert code != 0 and "--backend is sqlite or postgresql, not 'mysql'" in output

    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    code, output = bench("--backend", "postgresql", "--postgres-url", unreachable)
    assert code != 0 and "can't reach PostgreSQL" in output and "--backend sqlite" in output
