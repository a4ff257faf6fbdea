"""``doorstep up``: the whole of Doorstep on one machine, with a demo neighbourhood."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from doorstep.cli.output import console
from doorstep.hub.app import create_app
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.hub.demo import DemoAccount, create_demo_neighbourhood, is_empty
from doorstep.hub.migrate import upgrade_database
from doorstep.settings import Settings


def up(
    data: Annotated[Path, typer.Option(help="Where the database, blobs and keys live.")] = Path(
        "doorstep-data"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Start the hub on SQLite and local files, creating a demo neighbourhood on first start."""
    settings = Settings(data_dir=data)
    settings.resolved_secret_key()  # creates the development key (0600) before anything else
    engine = make_engine(settings.resolved_database_url())
    upgrade_database(engine)
    with transaction(make_session_factory(engine)) as session:
        accounts = (
            create_demo_neighbourhood(session, settings=settings) if is_empty(session) else []
        )
    engine.dispose()
    url = f"http://{host}:{port}"
    if accounts:
        _print_accounts(accounts)
    else:
        console.print(
            f"Using the existing data in [bold]{data}[/] (demo passwords were shown once)."
        )
    console.print(f"Doorstep hub on [bold]{url}[/]  API docs: {url}/docs  Stop with Ctrl-C.")
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn shut down gracefully and re-raised Ctrl-C for us to see
    console.print("Doorstep stopped.")


def _print_accounts(accounts: list[DemoAccount]) -> None:
    table = Table(title="Demo accounts (passwords are shown this once; only hashes are kept)")
    for column in ("role", "email", "password"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.role, account.email, account.password)
    console.print(table)
