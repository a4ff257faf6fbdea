"""``doorstep inbox ...``: requests that reached your homes, and what you shared.

Answering happens here, on your machine: sharing opens each chosen clip with your key,
checks it, and re-wraps its key to the agency's key; the hub never sees a clip key.
Declining, or not answering at all, looks the same to the agency.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from doorstep.cli.keys import HubOption, JsonOption, signed_in_api
from doorstep.cli.output import console, fail, print_json
from doorstep.durable import write_atomically
from doorstep.owner.credentials import load_user_key
from doorstep.owner.sharing import answer_request

app = typer.Typer(
    help="Requests that reached your homes: read, share chosen clips, decline; your shares.",
    no_args_is_help=True,
)

EntryArgument = Annotated[uuid.UUID, typer.Argument(help="An inbox entry (`doorstep inbox list`).")]
ShareArgument = Annotated[uuid.UUID, typer.Argument(help="One of your shares.")]


def _window(request: dict[str, Any]) -> str:
    return f"{request['window_start']} to {request['window_end']}"


@app.command("list")
def list_entries(hub: HubOption = None, json: JsonOption = False) -> None:
    """Requests that reached homes you own, newest first."""
    with signed_in_api(hub) as api:
        found = api.call("GET", "/v1/inbox")
    if json:
        print_json(found)
        return
    table = Table(title="Requests in your inbox")
    for column in ("entry", "agency", "category", "window (UTC)", "status", "your answer"):
        table.add_column(column)
    for entry in found["data"]:
        request = entry["request"]
        urgent = "EMERGENCY " if entry["urgent"] else ""
        table.add_row(
            entry["id"],
            f"{entry['agency']['name']} ({entry['agency']['kind']})",
            urgent + request["category"],
            _window(request),
            request["status"],
            entry["answer"],
        )
    console.print(table)


@app.command()
def show(entry_id: EntryArgument, hub: HubOption = None, json: JsonOption = False) -> None:
    """One request in full, with your own clips in its window."""
    with signed_in_api(hub) as api:
        entry = api.call("GET", f"/v1/inbox/{entry_id}")
    if json:
        print_json(entry)
        return
    request, agency = entry["request"], entry["agency"]
    lines = [
        f"[bold]{agency['name']}[/bold] ({agency['kind']}) asks for footage, "
        f"investigation {request['investigation_code']}, {request['category']}.",
        f"Window: {_window(request)} UTC. Open until {request['open_until']}.",
        f"They say they keep shared footage {request['retention_days']} days.",
        f"Details: {request['details']}",
    ]
    if request["emergency"]:
        lines.append(f"[bold red]Emergency:[/bold red] {request['emergency_reason']}")
    for line in lines:
        console.print(line, highlight=False, markup=True)
    clips = entry["clips_in_window"]
    if not clips:
        console.print("None of your clips falls in the window.")
        return
    table = Table(title="Your clips in the window")
    for column in ("clip", "camera", "from", "to"):
        table.add_column(column)
    for clip in clips:
        table.add_row(clip["id"], clip["camera_id"], clip["started_at"], clip["ended_at"])
    console.print(table)
    console.print(
        "Preview one with `doorstep keys decrypt CLIP --out FILE`; share with "
        f"`doorstep inbox share {entry_id} CLIP ...`. Not answering is also an answer."
    )


@app.command()
def share(
    entry_id: EntryArgument,
    clips: Annotated[
        list[uuid.UUID] | None, typer.Argument(help="The clips to share (from `inbox show`).")
    ] = None,
    all_clips: Annotated[
        bool, typer.Option("--all", help="Share every clip of yours in the window.")
    ] = False,
    days: Annotated[
        int | None,
        typer.Option(help="How long the agency may download them (default 180, at most 180)."),
    ] = None,
    twin: Annotated[
        bool,
        typer.Option(
            "--twin",
            help="Share each clip's blurred twin only (faces blurred); its own key stays here.",
        ),
    ] = False,
    hub: HubOption = None,
) -> None:
    """Share chosen clips with the agency: their keys are re-wrapped here, to its key."""
    if bool(clips) == all_clips:
        fail("name the clips to share, or give --all (not both)")
    user_key = load_user_key()
    with signed_in_api(hub) as api:
        if all_clips:
            entry = api.call("GET", f"/v1/inbox/{entry_id}")
            chosen = [uuid.UUID(clip["id"]) for clip in entry["clips_in_window"]]
            if not chosen:
                fail("none of your clips falls in the request's window; nothing to share")
        else:
            chosen = list(clips or [])
        with console.status(f"Opening and re-wrapping {len(chosen)} clip(s)…"):
            shared = answer_request(
                api, entry_id, chosen, user_key, expires_in_days=days, twin=twin
            )
    console.print(
        f"Shared {len(shared['clips'])} clip(s) with {shared['agency']} until "
        f"{shared['expires_at']} (share {shared['id']}). Your receipt: "
        f"`doorstep inbox receipt {shared['id']} --out receipt.json`."
    )


@app.command()
def decline(entry_id: EntryArgument, hub: HubOption = None) -> None:
    """Decline: nothing is logged, and the agency can't tell it from not answering."""
    with signed_in_api(hub) as api:
        api.call("POST", f"/v1/inbox/{entry_id}/decline")
    console.print("Declined. The agency is not told.")


@app.command()
def shares(hub: HubOption = None, json: JsonOption = False) -> None:
    """Every agency that holds keys to your clips, until when, and each download."""
    with signed_in_api(hub) as api:
        found = api.call("GET", "/v1/me/shares")
    if json:
        print_json(found)
        return
    table = Table(title="Your shares")
    columns = ("share", "agency", "clips", "access until", "kept past retention", "downloads")
    for column in (*columns, "ended"):
        table.add_column(column)
    holding = False
    for row in found["data"]:
        ended = f"{row['ended_at']} ({row['end_reason']})" if row["ended_at"] else ""
        held = sum(clip["held_past_retention"] for clip in row["clips"])
        holding = holding or bool(held)
        table.add_row(
            row["id"],
            row["agency"],
            str(len(row["clips"])),
            row["expires_at"],
            f"{held} clip(s)" if held else "",
            str(len(row["downloads"])),
            ended,
        )
    console.print(table)
    if holding:
        console.print(
            "Clips kept past retention are held for the agency until the share ends; the "
            "next retention sweep then shreds them. `doorstep inbox withdraw SHARE` ends a "
            "share now; deleting a clip takes the agency's key to it.",
            highlight=False,
        )


@app.command()
def receipt(
    share_id: ShareArgument,
    out: Annotated[Path, typer.Option(help="Where to save the signed receipt (JSON).")],
    hub: HubOption = None,
) -> None:
    """Save a share's signed receipt; `doorstep evidence verify-receipt` checks it offline."""
    with signed_in_api(hub) as api:
        signed = api.download(f"/v1/me/shares/{share_id}/receipt")
    write_atomically(out, signed)  # as the hub signed it, byte for byte
    console.print(
        f"Saved the receipt to {out}. Check it with: doorstep evidence verify-receipt {out}"
    )


@app.command()
def withdraw(share_id: ShareArgument, hub: HubOption = None) -> None:
    """End a share now: the agency's wrapped keys are deleted; past downloads stay listed."""
    with signed_in_api(hub) as api:
        ended = api.call("POST", f"/v1/me/shares/{share_id}/withdraw")
    console.print(
        f"Withdrew share {share_id}: {ended['agency']} can download nothing more. "
        f"Downloads made before: {len(ended['downloads'])}."
    )
