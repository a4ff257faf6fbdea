"""``doorstep up``: the whole of Doorstep on one machine, with a demo neighbourhood."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from doorstep.cli.hub import plain_http_refusal
from doorstep.cli.lan import lan_socket, print_lan
from doorstep.cli.output import console, fail
from doorstep.settings import Settings
from doorstep.tls import ensure_local_tls, is_loopback

if TYPE_CHECKING:
    from doorstep.demo.neighbourhood import DemoAccount
    from doorstep.edge.config import EdgeConfig


def up(
    data: Annotated[Path, typer.Option(help="Where the database, blobs and keys live.")] = Path(
        "doorstep-data"
    ),
    host: Annotated[
        str | None,
        typer.Option(help="Address to listen on [default: 127.0.0.1; with --lan, all]."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    edge: Annotated[
        bool, typer.Option(help="Also run the demo edge, with generated camera scenes.")
    ] = True,
    live_port: Annotated[
        int, typer.Option(help="The demo edge's live-view port.", min=1, max=65535)
    ] = 8090,
    lan: Annotated[
        bool,
        typer.Option(
            "--lan",
            help="Serve HTTPS to the home network, with a local CA made once in the data "
            "directory (prints how to trust it on each device).",
        ),
    ] = False,
) -> None:
    """Start the hub on SQLite and local files, creating a demo neighbourhood on first start."""
    settings = Settings(data_dir=data)  # bad settings refused before the hub loads
    # Loaded here, not at import, so every other command starts without the hub and edge.
    import uvicorn

    from doorstep.demo.start import (
        edge_config_path,
        prepare_demo,
        start_demo_edge,
        start_demo_request_watcher,
    )
    from doorstep.hub.app import create_app

    tls = listener = None
    if lan:
        tls = ensure_local_tls(data / "tls")
        if host is None:
            listener = lan_socket(port)
            host = "::"
        # The demo edge in this process reaches the hub over HTTPS too, trusting the CA.
        os.environ["SSL_CERT_FILE"] = str(tls.ca)
        url = f"https://127.0.0.1:{port}"
    else:
        host = host or "127.0.0.1"
        if not is_loopback(host):
            fail(plain_http_refusal(host))
        url = f"http://{host}:{port}"
    accounts = prepare_demo(settings, hub_url=url, live_port=live_port)
    if accounts:
        _print_accounts(accounts)
    else:
        console.print(
            f"Using the existing data in [bold]{data}[/] (demo passwords were shown once)."
        )
    if tls is not None:
        print_lan(tls, port)
    console.print(f"Doorstep hub on [bold]{url}[/]  API docs: {url}/docs  Stop with Ctrl-C.")
    stop = threading.Event()
    edge_thread = None
    if edge:
        started = start_demo_edge(settings, stop, hub_url=url)
        if started is None:
            console.print("No demo edge in this data directory (it is made on first start).")
        else:
            edge_thread, config = started
            _print_edge(config, edge_config_path(settings).parent)
            start_demo_request_watcher(settings, stop, on_filed=_print_request_filed)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=host,
            port=port,
            log_level="warning",
            ssl_certfile=tls.certificate if tls else None,
            ssl_keyfile=tls.key if tls else None,
        )
    )
    # uvicorn shuts down gracefully on SIGINT and SIGTERM, then raises the signal again
    # for the previous handler: make both end up here, so the edge stops cleanly too.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run(sockets=[listener] if listener else None)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if edge_thread is not None:
            edge_thread.join(timeout=60)
    console.print("Doorstep stopped.")


def _interrupt(signal_number: int, frame: object) -> None:
    raise KeyboardInterrupt


def _print_edge(config: EdgeConfig, edge_dir: Path) -> None:
    live = f"http://{config.live.host}:{config.live.port}/cameras"
    console.print(
        f"Demo edge: {len(config.cameras)} generated camera(s) recording; events reach the hub "
        f"a few seconds after a person passes. Live view: {live} "
        f"(token in {edge_dir / config.data_dir / config.live.token_file})."
    )


def _print_request_filed(request_id: uuid.UUID) -> None:
    console.print(
        f"The demo police bureau filed request {request_id} about the demo street: it is "
        "in the demo resident's inbox (`doorstep inbox list`) and in the public log "
        "(/v1/requests)."
    )


def _print_accounts(accounts: list[DemoAccount]) -> None:
    table = Table(
        title="Demo accounts (passwords are shown this once; only hashes are kept). "
        "The demo's passphrase is the sign-in password: demo keys are for trying only."
    )
    for column in ("role", "email", "password"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.role, account.email, account.password)
    console.print(table)
