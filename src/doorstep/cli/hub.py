"""``doorstep hub ...``: run the hub alone."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from doorstep.settings import get_settings

app = typer.Typer(help="Run the hub.", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    proxy_headers: Annotated[
        bool, typer.Option(help="Trust X-Forwarded-* from the load balancer.")
    ] = False,
) -> None:
    """Serve the hub with uvicorn; settings come from DOORSTEP_* variables."""
    # Refuse bad settings here, in one line, before uvicorn starts any worker.
    get_settings()
    uvicorn.run(
        "doorstep.hub.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        log_level="info",
    )
