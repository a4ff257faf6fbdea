"""``doorstep evidence verify`` and ``verify-receipt``: check what the hub handed over, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from doorstep.agency.keys import load_agency_key
from doorstep.audit.checkpoint import CheckpointError, LogKey
from doorstep.cli.output import console, errors, fail, print_json
from doorstep.crypto.format import format_time
from doorstep.errors import ConfigurationError
from doorstep.evidence import EvidenceError
from doorstep.evidence.receipt import ReceiptReport, verify_receipt
from doorstep.evidence.verify import PackageReport, verify_package

app = typer.Typer(help="Check evidence packages and share receipts, offline.", no_args_is_help=True)

HubKeyOption = Annotated[
    str | None,
    typer.Option(
        "--hub-key",
        help="Pin the hub's log key: its verifier key (name+hash+key), or a file holding it.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _pinned(value: str | None) -> LogKey | None:
    if value is None:
        return None
    path = Path(value)
    try:
        text = path.read_text().strip() if path.is_file() else value.strip()
    except OSError:
        text = value.strip()
    try:
        return LogKey.from_vkey(text)
    except CheckpointError as exc:
        fail(f"--hub-key: {exc.detail}")


@app.command()
def verify(
    package: Annotated[
        Path, typer.Argument(help="The evidence package (.zip).", exists=True, dir_okay=False)
    ],
    key: Annotated[
        Path | None,
        typer.Option(
            help="The agency's X25519 private key (base64, mode 0600): also decrypt every part.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    hub_key: HubKeyOption = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Write the decrypted clips here (needs --key).", file_okay=False),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Check every file of a package against the hub's signed manifest; name what was altered."""
    if out is not None and key is None:
        fail("--out needs --key: only the agency's key decrypts the clips")
    pinned = _pinned(hub_key)
    try:
        agency = load_agency_key(key) if key is not None else None
    except ConfigurationError as exc:
        fail(f"--key: {exc.detail}")
    try:
        with errors.status("verifying", spinner="dots") as status:
            report = verify_package(
                package,
                hub_key=pinned,
                agency_key=agency,
                out_dir=out,
                progress=lambda message: status.update(message),
            )
    except EvidenceError as exc:
        fail(f"evidence package verification failed: {exc.detail}")
    if json_output:
        print_json(report.as_json())
        return
    _print_package(package, report)


def _print_package(package: Path, report: PackageReport) -> None:
    pinned = "pinned" if report.hub_key_pinned else "not pinned: compare it with the hub's"
    console.print(
        f"[bold green]The evidence package {package.name} verifies.[/] "
        f"{report.kind.capitalize()} package made {format_time(report.created_at)}, "
        f"signed by hub key {report.hub_key} ({pinned}).",
        soft_wrap=True,
    )
    checks = Table(title="What was checked", show_lines=False)
    checks.add_column("check")
    checks.add_column("result", overflow="fold")
    parts = sum(len(clip.parts) for clip in report.clips)
    attested = sum(1 for clip in report.clips for part in clip.parts if part.attested)
    checks.add_row("subject", json.dumps(report.subject, sort_keys=True, ensure_ascii=False))
    if report.terms is not None:
        checks.add_row("terms", json.dumps(report.terms, sort_keys=True, ensure_ascii=False))
    checks.add_row("manifest", "signed by the hub key")
    checks.add_row("files", f"{len(report.files)} present, sizes and SHA-256 match, none extra")
    checks.add_row("clips", f"{len(report.clips)} clips, {parts} parts: headers match")
    if report.key_list is not None:
        checks.add_row(
            "device keys",
            f"every clip's device key is in home {report.key_list.home_id}'s owner-signed key "
            f"list (version {report.key_list.version}, each version proven in the log)",
        )
    signatures = f"{attested} of {parts} parts attested and verified"
    if report.kind == "share" and not report.decrypted:
        signatures = "sealed for the agency: give --key to open and check them"
    checks.add_row("device signatures", signatures)
    checks.add_row(
        "custody",
        f"{len(report.custody.entries)} entries proven into checkpoint "
        f"{report.custody.checkpoint.origin} size {report.custody.checkpoint.size}",
    )
    decrypted = "no"
    if report.decrypted:
        decrypted = f"yes, into {report.out_dir}" if report.out_dir else "yes (nothing written)"
    checks.add_row("decrypted", decrypted)
    console.print(checks)
    clips = Table(title="Clips")
    for column in ("clip", "camera", "from", "to", "device key", "parts"):
        clips.add_column(column, overflow="fold")
    for clip in report.clips:
        clips.add_row(
            str(clip.clip_id),
            str(clip.camera_id),
            format_time(clip.started_at),
            format_time(clip.ended_at),
            clip.device_key_id,
            ", ".join(part.name for part in clip.parts),
        )
    console.print(clips)
    custody = Table(title="Custody log")
    for column in ("index", "at", "action", "actor", "objects"):
        custody.add_column(column, overflow="fold")
    for index, entry in zip(report.custody.indexes, report.custody.entries, strict=True):
        custody.add_row(
            str(index),
            str(entry.get("at")),
            str(entry.get("action")),
            json.dumps(entry.get("actor"), sort_keys=True, ensure_ascii=False),
            json.dumps(entry.get("objects"), sort_keys=True, ensure_ascii=False),
        )
    console.print(custody)


@app.command("verify-receipt")
def verify_receipt_command(
    receipt: Annotated[
        Path, typer.Argument(help="The share receipt (JSON).", exists=True, dir_okay=False)
    ],
    hub_key: HubKeyOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check a share receipt's hub signature and that the share is in the public audit log."""
    pinned = _pinned(hub_key)
    try:
        report = verify_receipt(receipt.read_bytes(), hub_key=pinned)
    except EvidenceError as exc:
        fail(f"receipt verification failed: {exc.detail}")
    if json_output:
        print_json(report.as_json())
        return
    _print_receipt(receipt, report)


def _print_receipt(receipt: Path, report: ReceiptReport) -> None:
    pinned = "pinned" if report.hub_key_pinned else "not pinned: compare it with the hub's"
    console.print(
        f"[bold green]The receipt {receipt.name} verifies.[/] "
        f"Signed by hub key {report.hub_key} ({pinned}).",
        soft_wrap=True,
    )
    table = Table(title="Receipt")
    table.add_column("field")
    table.add_column("value", overflow="fold")
    table.add_row("request", str(report.request_id))
    table.add_row("agency", report.agency)
    table.add_row("investigation code", report.investigation_code)
    table.add_row("share", str(report.share_id))
    table.add_row("access ends", format_time(report.expires_at))
    table.add_row("clips", "\n".join(str(clip["clip_id"]) for clip in report.clips))
    table.add_row(
        "audit entry",
        f"{report.audit_index} ({report.audit_entry.get('action')}), proven into checkpoint "
        f"{report.custody.checkpoint.origin} size {report.custody.checkpoint.size}",
    )
    console.print(table)
