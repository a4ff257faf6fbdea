"""``doorstep hub serve ...``: run the hub alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from doorstep.cli.output import fail
from doorstep.settings import get_settings
from doorstep.tls import check_key_file, is_loopback

app = typer.Typer(help="Run the hub.", no_args_is_help=True)


def plain_http_refusal(host: str) -> str:
    """The one line that refuses plain http on an address other machines reach."""
    return (
        f"refusing plain http on {host}: browsers give WebCrypto, which decrypts clips, "
        "only to secure pages (HTTPS or localhost); give --tls-cert and --tls-key, "
        "serve behind a TLS proxy with --proxy-headers, or run `doorstep up --lan`"
    )


def check_tls_options(host: str, cert: Path | None, key: Path | None, *, proxied: bool) -> None:
    """Both certificate and key or neither, the key 0600, and plain http only on loopback
    (or behind a TLS proxy); a problem exits with one line."""
    if (cert is None) != (key is None):
        fail("--tls-cert and --tls-key go together: give both or neither")
    if cert is not None and key is not None:
        if not cert.is_file():
            fail(f"--tls-cert: {cert} does not exist")
        check_key_file(key)
    elif not proxied and not is_loopback(host):
        fail(plain_http_refusal(host))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    proxy_headers: Annotated[
        bool,
        typer.Option(help="Trust X-Forwarded-* from a TLS-terminating load balancer."),
    ] = False,
    tls_cert: Annotated[
        Path | None,
        typer.Option(help="Serve HTTPS with this certificate chain (PEM), with --tls-key."),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option(help="The certificate's private key (PEM, mode 0600).")
    ] = None,
) -> None:
    """Serve the hub with uvicorn; settings come from DOORSTEP_* variables.

    Plain http only on a loopback address (browsers decrypt only on secure pages):
    elsewhere give --tls-cert/--tls-key, or --proxy-headers behind a TLS proxy.
    """
    check_tls_options(host, tls_cert, tls_key, proxied=proxy_headers)
    # Refuse bad settings here, in one line, before uvicorn starts any worker.
    get_settings()
    import uvicorn  # loaded here, so other commands start without it

    uvicorn.run(
        "doorstep.hub.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        log_level="info",
    )
