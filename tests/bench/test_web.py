"""``doorstep bench web`` runs end to end on SQLite and reports its figures."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from doorstep.cli import app


def test_bench_web_json_reports_the_timeline_and_its_baseline() -> None:
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "web",
            "--json",
            "--clips",
            "2000",
            "--samples",
            "20",
            "--database-url",
            "sqlite",
            "--playback-mb",
            "2",
            "--playback-runs",
            "1",
        ],
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"timeline_p50_ms", "timeline_p99_ms", "baseline_p99_ms"} <= set(report)
    assert (report["backend"], report["clips"], report["samples"]) == ("sqlite", 2000, 20)
    assert 0 < report["timeline_p50_ms"] <= report["timeline_p99_ms"]
    assert 0 < report["baseline_p50_ms"] <= report["baseline_p99_ms"]
    # 2,000 clips over 30 days: about 67 a day, and every one of them was counted.
    assert 40 < report["clips_per_day_mean"] < 100
    assert report["timeline_goal_met"] is None  # not PostgreSQL at 100,000 clips
    # Part (b), PLAYER's: a 2 MB clip played in Chromium, sealed, plain, plain through MSE.
    assert 1.5e6 < report["playback_clip_bytes"] < report["playback_sealed_bytes"] < 3e6
    for kind in ("sealed", "plain", "plain_mse"):
        assert len(report[f"playback_{kind}_all_ms"]) == 1
        assert 0 < report[f"playback_{kind}_ms"] < 30_000
    ratio = report["playback_sealed_ms"] / report["playback_plain_ms"]
    assert report["playback_ratio"] == ratio


def test_bench_web_only_runs_the_measurements_named() -> None:
    args = ["bench", "web", "--json", "--clips", "500", "--samples", "10"]
    result = CliRunner().invoke(app, [*args, "--database-url", "sqlite", "--only", "timeline"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["clips"] == 500
    assert not [key for key in report if key.startswith("playback")]

    refused = CliRunner().invoke(app, [*args, "--only", "timeline,speed"])
    assert refused.exit_code == 1
    assert "--only takes timeline, playback" in refused.output
