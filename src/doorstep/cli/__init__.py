"""The ``doorstep`` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from doorstep.audit.keyproof import KeyAlarm
from doorstep.cli.account import login
from doorstep.cli.admin import app as admin_app
from doorstep.cli.agency import app as agency_app
from doorstep.cli.audit import app as audit_app
from doorstep.cli.bench import app as bench_app
from doorstep.cli.bench_web import web as bench_web
from doorstep.cli.edge import app as edge_app
from doorstep.cli.evidence import app as evidence_app
from doorstep.cli.hub import app as hub_app
from doorstep.cli.inbox import app as inbox_app
from doorstep.cli.keys import app as keys_app
from doorstep.cli.monitor import monitor_command
from doorstep.cli.output import fail
from doorstep.cli.pairing import pair
from doorstep.cli.screenshots import screenshots
from doorstep.cli.up import up
from doorstep.errors import DoorstepError

app = typer.Typer(
    name="doorstep",
    help="Doorstep: home cameras, a neighbourhood feed and bounded public-safety requests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("up")(up)
app.add_typer(hub_app, name="hub")
app.add_typer(admin_app, name="admin")
bench_app.command("web")(bench_web)
app.add_typer(bench_app, name="bench")
app.add_typer(edge_app, name="edge")
keys_app.command("monitor")(monitor_command)
keys_app.command("pair")(pair)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")
app.add_typer(inbox_app, name="inbox")
app.add_typer(agency_app, name="agency")
app.command("login")(login)
app.command("screenshots")(screenshots)


def main() -> None:
    try:
        app()
    except KeyAlarm as exc:
        fail(f"ALARM: {exc.detail}", code=2)
    except DoorstepError as exc:
        fail(exc.detail)
    except ValidationError as exc:
        problem = exc.errors()[0]
        setting = "DOORSTEP_" + "_".join(str(part) for part in problem["loc"]).upper()
        fail(f"setting {setting}: {problem['msg']}")
