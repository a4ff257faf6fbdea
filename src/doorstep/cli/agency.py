"""``doorstep agency ...``: an agency member's client — its key pair and shared evidence.

The key pair is made here, on the agency's machine; the hub only ever gets the public
key. Packages are downloaded as they are and checked offline with
``doorstep evidence verify``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from doorstep.agency.keys import publish_agency_key
from doorstep.cli.keys import HubOption, signed_in_api
from doorstep.cli.output import console, print_json
from doorstep.crypto.keys import fingerprint
from doorstep.owner.credentials import config_dir

app = typer.Typer(
    help="An agency's key pair and the evidence packages shared with it.", no_args_is_help=True
)


@app.command()
def key(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to keep the private key (mode 0600); default agency.key in "
            "your Doorstep config folder. An existing file is never replaced."
        ),
    ] = None,
    hub: HubOption = None,
) -> None:
    """Make the agency's key pair here and publish its public key.

    Owners re-wrap the clips they share to this key. Shares made under an earlier key
    stay wrapped to that one: keep its file until those shares end.
    """
    path = out or config_dir() / "agency.key"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with signed_in_api(hub) as api:
        published = publish_agency_key(api, path)
    console.print(
        f"Published agency key {fingerprint(published)}; its private key is in {path}. "
        "Keep it safe: without it no shared clip can be opened."
    )


@app.command()
def shares(
    request_id: Annotated[uuid.UUID, typer.Argument(help="One of your agency's requests.")],
    hub: HubOption = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The shares owners made for a request: clips, and until when you may download them."""
    with signed_in_api(hub) as api:
        found = api.call("GET", f"/v1/agency/requests/{request_id}/shares")
    if json:
        print_json(found)
        return
    table = Table(title=f"Shares for request {request_id}")
    for column in ("share", "clips", "shared", "access until", "ended"):
        table.add_column(column)
    for row in found["data"]:
        ended = f"{row['ended_at']} ({row['end_reason']})" if row["ended_at"] else ""
        table.add_row(row["id"], str(row["clips"]), row["created_at"], row["expires_at"], ended)
    console.print(table)
    if not found["data"]:
        console.print("No shares yet. Owners who don't share are not listed, by design.")


@app.command()
def package(
    share_id: Annotated[uuid.UUID, typer.Argument(help="A share from `doorstep agency shares`.")],
    out: Annotated[
        Path | None,
        typer.Option(help="The file to write (default evidence-SHARE.zip here); never replaced."),
    ] = None,
    hub: HubOption = None,
) -> None:
    """Download a share's evidence package; the hub logs each download under your name."""
    path = out or Path(f"evidence-{share_id}.zip")
    with (
        signed_in_api(hub) as api,
        console.status(f"Downloading the package for share {share_id}…"),
    ):
        size = api.download_to(f"/v1/agency/shares/{share_id}/package", path)
    console.print(
        f"Saved {size:,} bytes to {path}. Check and open it offline with: "
        f"doorstep evidence verify {path} --key AGENCY_KEY --out DIR"
    )
