"""``doorstep bench web``: registered on the bench group in cli/__init__.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from doorstep.cli.bench import _measure, _verdict
from doorstep.cli.output import console, fail

if TYPE_CHECKING:
    from doorstep.bench.web import WebBenchResult

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Rows of the table: figure key, label, format. A measurement's figures absent from a
# run are left out; PLAYER's playback figures go here too.
ROWS = (
    ("timeline_p50_ms", "timeline, one camera-day, p50 ms", "{:.2f}"),
    ("timeline_p99_ms", "timeline, one camera-day, p99 ms", "{:.2f}"),
    ("baseline_p50_ms", "  baseline GET /readyz, p50 ms", "{:.2f}"),
    ("baseline_p99_ms", "  baseline GET /readyz, p99 ms", "{:.2f}"),
    ("timeline_to_baseline_p99", "timeline / baseline, p99", "{:.1f}"),
    ("clips_per_day_mean", "clips per camera-day", "{:,.0f}"),
    ("fill_s", "fill s", "{:.1f}"),
    ("playback_sealed_ms", "click to first frame, sealed clip, ms", "{:.0f}"),
    ("playback_plain_ms", "  same clip unsealed, plain URL, ms", "{:.0f}"),
    ("playback_plain_mse_ms", "  same clip unsealed through MediaSource, ms", "{:.0f}"),
    ("playback_ratio", "sealed / plain", "{:.2f}"),
    ("playback_ratio_mse", "sealed / plain through MediaSource", "{:.2f}"),
    ("playback_clip_bytes", "clip bytes", "{:,}"),
)


def web(
    clips: Annotated[
        int, typer.Option(help="Clips of the one camera, over 30 days.", min=100)
    ] = 100_000,
    samples: Annotated[int, typer.Option(help="Camera-days to time.", min=10)] = 300,
    database_url: Annotated[
        str,
        typer.Option(
            help="A PostgreSQL server (a throwaway schema is made and dropped), "
            "or 'sqlite' for a throwaway SQLite file (the goal is for PostgreSQL)."
        ),
    ] = DEFAULT_DATABASE,
    playback_mb: Annotated[
        float, typer.Option(help="Size of the clip played, sealed and plain (MB).", min=1)
    ] = 16.0,
    playback_runs: Annotated[
        int, typer.Option(help="Timed plays of each, sealed and plain (medians).", min=1)
    ] = 5,
    only: Annotated[
        str | None,
        typer.Option(help="Only these measurements, comma-separated: timeline, playback."),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """What the web app's pages wait for: the timeline of one camera-day.

    Seeds a throwaway hub with --clips clips for one camera over 30 days
    (bulk inserts), serves it with uvicorn in a thread, and times
    --samples GET /v1/cameras/{id}/timeline for random days (p50, p99)
    against GET /readyz, a SELECT 1 through the same HTTP stack.
    Goal: timeline p99 < 50 ms on PostgreSQL at 100,000 clips.

    Then in Chromium: click to first decoded frame of a --playback-mb MB clip,
    sealed and played by the web player as it decrypts, against the same clip
    unsealed from a plain URL (medians of --playback-runs). Goal: ratio <= 1.5.
    """
    from doorstep.bench.web import MEASUREMENTS, WebBenchOptions, run_web_bench

    named = {measure.__name__.removeprefix("measure_"): measure for measure in MEASUREMENTS}
    chosen = [name.strip() for name in only.split(",") if name.strip()] if only else list(named)
    unknown = [name for name in chosen if name not in named]
    if unknown or not chosen:
        fail(f"--only takes {', '.join(named)} (comma-separated), not {only!r}")

    options = WebBenchOptions(
        clips=clips,
        samples=samples,
        database_url=database_url,
        playback_mb=playback_mb,
        playback_runs=playback_runs,
    )
    measurements = tuple(named[name] for name in chosen)
    result = _measure(
        run_web_bench, json_output=json_output, options=options, measurements=measurements
    )
    if result is None:
        return
    console.print(_web_table(result))
    met = result.timeline_goal_met
    if met is None:
        console.print("goal (PostgreSQL, 100,000 clips, p99 < 50 ms): not measured in this run")
    else:
        console.print(f"goal, timeline p99 < 50 ms on PostgreSQL: {_verdict(met)}")
    ratio = result.figures.get("playback_ratio")
    if ratio is not None:
        console.print(f"goal, playback sealed / plain <= 1.5: {_verdict(ratio <= 1.5)}")


def _web_table(result: WebBenchResult) -> Table:
    figures: dict[str, Any] = result.figures
    title = f"doorstep bench web: {result.backend}, {figures.get('clips', 0):,} clips"
    table = Table(title=title)
    table.add_column("measurement")
    table.add_column("value", justify="right")
    for key, label, form in ROWS:
        if key in figures:
            table.add_row(label, form.format(figures[key]))
    return table
