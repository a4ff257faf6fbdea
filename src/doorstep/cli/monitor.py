"""``doorstep keys monitor``: the keys the log holds for your account and homes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from doorstep.audit.keyproof import KeyAlarm
from doorstep.audit.verify import LogVerificationFailed
from doorstep.cli.keys import HubOption, signed_in_api
from doorstep.cli.output import console, fail, print_json
from doorstep.owner.credentials import key_path, load_user_key
from doorstep.owner.monitor import MonitorReport, monitor


def monitor_command(
    hub: HubOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every key the log holds for your account and homes; exit 2 if one isn't yours.

    Walks the audit log from where it stopped last time, checked against the hub's
    signed checkpoint. An alarm (exit 2) names a key for your account this client did
    not make, or a home key list not signed by an owner this client knows.
    """
    private = load_user_key() if key_path().exists() else None
    with signed_in_api(hub) as api:
        try:
            report = monitor(api, private=private)
        except (KeyAlarm, LogVerificationFailed) as exc:
            fail(f"ALARM: {exc.detail}", code=2)
    if json_output:
        print_json(report.as_json())
    else:
        console.print(_table(report))
    if report.alarms:
        fail(f"ALARM: {'; '.join(report.alarms)}", code=2)


def _table(report: MonitorReport) -> Table:
    table = Table(
        "index",
        "time",
        "action",
        "for",
        "key / list",
        "made by",
        title=f"Key entries for your account and homes ({report.checked} log entries checked)",
    )
    for key in report.keys:
        made = key.verdict if key.alarm is None else f"[bold red]{key.verdict}[/]"
        table.add_row(
            str(key.entry.index), key.entry.at, key.entry.action, key.subject, key.key, made
        )
    return table
