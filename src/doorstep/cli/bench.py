"""``doorstep bench ...``: speed measurements against a baseline taken in the same run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from doorstep.bench.api import ApiBenchResult, run_api_bench
from doorstep.cli.output import console, errors, fail, print_json

app = typer.Typer(help="Measure speed against a baseline run alongside.", no_args_is_help=True)


@app.command()
def api(
    seconds: Annotated[
        int, typer.Option(help="Seconds of load per target, after a short warm-up.", min=1, max=120)
    ] = 5,
    concurrency: Annotated[
        int, typer.Option(help="Workers sending requests back to back.", min=1, max=256)
    ] = 16,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the figures as JSON only.")
    ] = False,
) -> None:
    """Requests/s and latency of the hub against a bare Starlette app.

    A throwaway hub (SQLite, a resident with three cameras) and a bare
    Starlette app that returns a constant each run under uvicorn, in their
    own process on 127.0.0.1. One load generator drives, in turn, GET
    /healthz on the baseline, GET /healthz on the hub and an authenticated
    GET /v1/cameras on the hub.

    The ratio is the hub's /healthz requests/s over the baseline's: what
    the hub's framework and middleware cost before any real work.
    Exits 1 if any request failed.
    """
    if json_output:
        result = run_api_bench(seconds=seconds, concurrency=concurrency)
        print_json(result.as_json())
    else:
        with errors.status("starting") as status:
            result = run_api_bench(
                seconds=seconds, concurrency=concurrency, progress=lambda line: status.update(line)
            )
        console.print(_table(result))
        console.print(f"ratio, hub /healthz to baseline requests/s: [bold]{result.ratio:.2f}[/]")
    failed = sum(target.errors for target in result.targets.values())
    if failed:
        fail(f"{failed} requests failed (non-2xx or broken connection); the figures are not clean")


def _table(result: ApiBenchResult) -> Table:
    title = f"doorstep bench api: {result.seconds:g} s per target, {result.concurrency} workers"
    table = Table(title=title)
    for column in ("target", "request", "requests/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="left" if column in ("target", "request") else "right")
    for name, target in result.targets.items():
        table.add_row(
            name,
            f"GET {target.path}",
            f"{target.rps:,.0f}",
            f"{target.p50_ms:.2f}",
            f"{target.p99_ms:.2f}",
            str(target.errors),
        )
    return table
