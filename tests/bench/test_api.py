"""``doorstep bench api`` runs end to end and reports sane, consistent figures."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from doorstep.cli import app


def test_bench_api_json_reports_every_target() -> None:
    result = CliRunner().invoke(
        app, ["bench", "api", "--seconds", "1", "--concurrency", "4", "--json"]
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"doorstep_rps", "baseline_rps", "ratio", "seconds", "concurrency", "targets"} <= set(
        report
    )
    assert (report["seconds"], report["concurrency"]) == (1, 4)
    assert set(report["targets"]) == {"healthz", "cameras", "baseline"}
    for name, target in report["targets"].items():
        assert target["rps"] > 0, name
        assert target["requests"] > 0, name
        assert target["errors"] == 0, name
        assert 0 < target["p50_ms"] <= target["p99_ms"], name
    assert report["doorstep_rps"] == report["targets"]["healthz"]["rps"]
    assert report["baseline_rps"] == report["targets"]["baseline"]["rps"]
    assert report["ratio"] == report["doorstep_rps"] / report["baseline_rps"]
