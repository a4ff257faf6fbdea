"""``doorstep bench edge`` runs end to end and reports sane, consistent figures."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from doorstep.bench.edge import FPS, motion_walkers
from doorstep.cli import app


def test_bench_edge_json_reports_floor_idle_and_motion() -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "edge", "--seconds", "2", "--repeat", "1", "--resolutions", "720p", "--json"],
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["seconds"], report["repeat"], report["fps"]) == (2, 1, 15)
    for key in ("floor", "floor_motion", "idle", "motion", "idle_ratio", "motion_ratio"):
        assert report[f"{key}_720p"] > 0, key
    assert report["idle_events_720p"] == 0
    assert report["motion_events_720p"] >= 1
    runs = report["runs"]["720p"]
    assert runs["frame"] == [1280, 720]
    assert report["floor_720p"] == runs["floor_static"]["cpu_s_per_stream_s"]
    assert report["idle_ratio_720p"] == report["idle_720p"] / report["floor_720p"]
    assert report["motion_ratio_720p"] == report["motion_720p"] / report["floor_motion_720p"]
    for name in ("floor_static", "floor_motion", "idle", "motion"):
        run = runs[name]
        assert len(run["cpu_s"]) == len(run["wall_s"]) == 1, name
        assert run["streams_per_core"] == 1 / run["cpu_s_per_stream_s"], name
    assert set(report["goals"]) == {"idle_ratio_720p", "motion_ratio_720p"}


def test_bench_edge_refuses_an_unknown_resolution() -> None:
    result = CliRunner().invoke(app, ["bench", "edge", "--resolutions", "720p,4k"])

    assert result.exit_code == 1
    assert "--resolutions" in result.output


def test_motion_scene_has_someone_in_view_on_every_frame() -> None:
    seconds = 20.0
    walkers = motion_walkers(seconds)

    for index in range(1, int(seconds * FPS)):
        boxes = [walker.box_at(index / FPS, 1280, 720) for walker in walkers]
        assert any(box and box[2] > 0 and box[0] < 1280 for box in boxes), index / FPS
