"""``doorstep up``: the whole of Doorstep on one machine, with a demo neighbourhood."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from doorstep.cli.output import console
from doorstep.settings import Settings

if TYPE_CHECKING:
    from doorstep.hub.demo import DemoAccount


def up(
    data: Annotated[Path, typer.Option(help="Where the database, blobs and keys live.")] = Path(
        "doorstep-data"
    ),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    edge: Annotated[
        bool, typer.Option(help="Also run the demo edge, with generated camera scenes.")
    ] = True,
    live_port: Annotated[
        int, typer.Option(help="The demo edge's live-view port.", min=1, max=65535)
    ] = 8090,
) -> None:
    """Start the hub on SQLite and local files, creating a demo neighbourhood on first start."""
    # Loaded here, not at import, so every other command starts without the hub and edge.
    import uvicorn

    from doorstep.edge.demo import write_demo_edge
    from doorstep.edge.identity import load_or_create_device_key, public_key_base64
    from doorstep.hub.app import create_app
    from doorstep.hub.audit.service import session_info
    from doorstep.hub.db import make_engine, make_session_factory, transaction
    from doorstep.hub.demo import (
        create_demo_neighbourhood,
        create_demo_request,
        is_empty,
        pair_demo_edge,
    )
    from doorstep.hub.migrate import upgrade_database
    from doorstep.owner.demo import create_demo_keys

    settings = Settings(data_dir=data)
    secret_key = settings.resolved_secret_key()  # creates the development key (0600) first
    url = f"http://{host}:{port}"
    edge_dir = data / "edge"
    engine = make_engine(settings.resolved_database_url())
    upgrade_database(engine)
    with transaction(make_session_factory(engine, info=session_info(secret_key))) as session:
        accounts: list[DemoAccount] = []
        if is_empty(session):
            accounts = create_demo_neighbourhood(session, settings=settings)
            create_demo_keys(session, accounts)
            create_demo_request(session, agency_key_path=data / "agency.key")
            key = load_or_create_device_key(edge_dir / "edge-data" / "device.key")
            token, cameras = pair_demo_edge(
                session, settings=settings, secret_key=secret_key, public_key=public_key_base64(key)
            )
            write_demo_edge(
                edge_dir,
                hub_url=url,
                token=token,
                cameras=[(camera.id, camera.name) for camera in cameras],
                live_port=live_port,
            )
    engine.dispose()
    if accounts:
        _print_accounts(accounts)
    else:
        console.print(
            f"Using the existing data in [bold]{data}[/] (demo passwords were shown once)."
        )
    console.print(f"Doorstep hub on [bold]{url}[/]  API docs: {url}/docs  Stop with Ctrl-C.")
    stop = threading.Event()
    edge_thread = _start_demo_edge(edge_dir / "edge.toml", stop) if edge else None
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")
    )
    # uvicorn shuts down gracefully on SIGINT and SIGTERM, then raises the signal again
    # for the previous handler: make both end up here, so the edge stops cleanly too.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if edge_thread is not None:
            edge_thread.join(timeout=60)
    console.print("Doorstep stopped.")


def _interrupt(signal_number: int, frame: object) -> None:
    raise KeyboardInterrupt


def _start_demo_edge(config_path: Path, stop: threading.Event) -> threading.Thread | None:
    from doorstep.edge.config import load_edge_config
    from doorstep.edge.daemon import EdgeDaemon

    if not config_path.exists():
        console.print("No demo edge in this data directory (it is made on first start).")
        return None
    config = load_edge_config(config_path)
    daemon = EdgeDaemon(config, base_dir=config_path.parent)
    thread = threading.Thread(target=daemon.run, args=(stop,), name="demo edge")
    thread.start()
    live = f"http://{config.live.host}:{config.live.port}/cameras"
    console.print(
        f"Demo edge: {len(config.cameras)} generated camera(s) recording; events reach the hub "
        f"a few seconds after a person passes. Live view: {live} "
        f"(token in {config_path.parent / config.data_dir / config.live.token_file})."
    )
    return thread


def _print_accounts(accounts: list[DemoAccount]) -> None:
    table = Table(
        title="Demo accounts (passwords are shown this once; only hashes are kept). "
        "A resident's password is also the passphrase of their clip key."
    )
    for column in ("role", "email", "password"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.role, account.email, account.password)
    console.print(table)
