"""``doorstep edge ...``: pair this device with a home, record, scan files."""

from __future__ import annotations

import base64
import binascii
import json as json_module
import logging
import os
import signal
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.logging import RichHandler
from rich.progress import Progress, TextColumn
from rich.table import Table

from doorstep.audit.checkpoint import CheckpointError, LogKey
from doorstep.cli.output import console, errors, fail, print_json
from doorstep.crypto.keys import ed25519_public, fingerprint, key_id, public_raw
from doorstep.crypto.pairing import check_tag, device_tag, owner_tag, split_code
from doorstep.edge.identity import (
    load_or_create_device_key,
    public_key_base64,
    read_token,
    write_secret,
)
from doorstep.edge.trust import TRUST_FILE, EdgeTrust, save_trust
from doorstep.errors import CryptoError

# The video pipeline (PyAV, OpenCV, NumPy, Shapely) loads inside the commands that use it,
# so `doorstep --help` and every other command start without it.

app = typer.Typer(help="The edge recorder that runs beside the cameras.", no_args_is_help=True)

CONFIG_TEMPLATE = """\
# Doorstep edge configuration, written by `doorstep edge pair`.
# Every key is explained in doorstep/edge/config.py; unknown keys are refused.
data_dir = {data_dir}

[hub]
url = {hub}
token_file = {token_file}
{cameras}"""

CAMERA_TEMPLATE = """
[[cameras]]
id = "{id}"
name = {name}
# Replace with the camera's stream, e.g. rtsp://user:password@192.168.1.20/stream1
source = {{ type = "rtsp", url = "rtsp://camera.local/stream" }}
"""


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escaping is valid TOML for these."""
    return json_module.dumps(value, ensure_ascii=False)


def _hub_call(method: str, url: str, **options: Any) -> Any:
    from doorstep.edge.upload import hub_error

    try:
        response = httpx.request(method, url, timeout=15, **options)
    except httpx.TransportError as exc:
        fail(f"can't reach the hub at {url}: {exc.__class__.__name__}")
    if not response.is_success:
        _, detail = hub_error(response)
        fail(f"the hub refused: {detail}")
    return response.json()


@dataclass(frozen=True)
class CodeOwner:
    """What the hub says about a pairing code: its home and the owner key it binds."""

    home_id: uuid.UUID
    signing_key: bytes
    tag: bytes


def _code_owner(hub: str, hub_part: str) -> CodeOwner:
    answer = _hub_call("POST", f"{hub}/v1/devices/pairing-owner", json={"code": hub_part})
    try:
        owner = CodeOwner(
            uuid.UUID(answer["home_id"]),
            base64.b64decode(answer["owner_signing_key"], validate=True),
            base64.b64decode(answer["owner_tag"], validate=True),
        )
        ed25519_public(owner.signing_key)
    except (KeyError, TypeError, ValueError, binascii.Error, CryptoError):
        fail("the hub's answer about the pairing code is malformed: pairing refused")
    return owner


def _log_vkey(hub: str) -> str:
    vkey = _hub_call("GET", f"{hub}/v1/audit/key").get("vkey")
    try:
        return LogKey.from_vkey(vkey).vkey()
    except (CheckpointError, TypeError, AttributeError):
        fail("the hub's audit log key is malformed: pairing refused")


@app.command()
def pair(
    code: Annotated[
        str,
        typer.Argument(
            help="The pairing code the owner's client shows (XXXXX-XXXXX-SSSS-SSSS-SSSS)."
        ),
    ],
    hub: Annotated[str, typer.Option(help="The hub's address, e.g. https://hub.example")],
    data: Annotated[
        Path, typer.Option(help="Where the device key, token and trust file go.")
    ] = Path("edge-data"),
    name: Annotated[str, typer.Option(help="How the home sees this device.")] = "",
    new_key: Annotated[bool, typer.Option(help="Make a new device key first.")] = False,
    write_config: Annotated[
        Path | None, typer.Option(help="Write a starter edge.toml listing the home's cameras.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Pair this device with a home: check the owner key the code binds, register this
    device's key, and store its token and what it pinned (0600 files)."""
    if write_config is not None and write_config.exists():
        fail(f"{write_config} exists already; choose another path or remove it")
    hub = hub.rstrip("/")
    try:
        hub_part, secret = split_code(code)
    except CryptoError as exc:
        fail(exc.detail)
    owner = _code_owner(hub, hub_part)
    # The code's secret part never went to the hub: only the owner's client could tag
    # the owner key with it. Nothing is written and nothing paired unless it checks.
    try:
        check_tag(owner_tag(secret, owner.home_id, owner.signing_key), owner.tag)
    except CryptoError:
        fail("the hub's owner key does not match this pairing code: pairing refused")
    log_vkey = _log_vkey(hub)
    key = load_or_create_device_key(data / "device.key", new=new_key)
    public = public_raw(key.public_key())
    paired = _hub_call(
        "POST",
        f"{hub}/v1/devices/pair",
        json={
            "code": hub_part,
            "name": name or socket.gethostname()[:100],
            "public_key": public_key_base64(key),
            "device_tag": base64.b64encode(device_tag(secret, owner.home_id, public)).decode(),
        },
    )
    if paired["device"]["home_id"] != str(owner.home_id):
        fail("the hub paired this device with another home than the code's: pairing refused")
    token_file = data / "edge-token"
    write_secret(token_file, paired["token"].encode())
    save_trust(
        data / TRUST_FILE,
        EdgeTrust(
            home_id=owner.home_id,
            owner_signing_keys=(owner.signing_key,),
            log_vkey=log_vkey,
            key_list=None,
        ),
    )
    device = _hub_call(
        "GET", f"{hub}/v1/device", headers={"Authorization": f"Bearer {paired['token']}"}
    )
    if write_config is not None:
        base = write_config.resolve().parent
        cameras = "".join(
            CAMERA_TEMPLATE.format(id=camera["id"], name=toml_string(camera["name"]))
            for camera in device["cameras"]
        )
        write_config.write_text(
            CONFIG_TEMPLATE.format(
                # The edge reads paths relative to its configuration file.
                data_dir=toml_string(os.path.relpath(data.resolve(), base)),
                hub=toml_string(hub),
                token_file=toml_string(os.path.relpath(token_file.resolve(), base)),
                cameras=cameras,
            )
        )
    device_fingerprint = fingerprint(key_id(public))
    if json:
        print_json(
            {
                "device": device["device"],
                "cameras": device["cameras"],
                "device_key_fingerprint": device_fingerprint,
            }
        )
        return
    console.print(
        f"Paired as [bold]{device['device']['name']}[/] (device {device['device']['id']}); "
        f"token in {token_file} (mode 0600)."
    )
    console.print(
        f"Device key fingerprint: [bold]{device_fingerprint}[/]: the owner's client shows "
        "the same when it signs this device into the home's key list."
    )
    table = Table(title="The home's cameras")
    for column in ("id", "name"):
        table.add_column(column)
    for camera in device["cameras"]:
        table.add_row(camera["id"], camera["name"])
    console.print(table)
    if write_config is not None:
        console.print(f"Wrote {write_config}: set each camera's source, then `doorstep edge run`.")


@app.command()
def scan(
    video: Annotated[Path, typer.Argument(help="A video file PyAV can read.")],
    out: Annotated[
        Path | None, typer.Option(help="Where clips and snapshots go (default: VIDEO-events/).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the events as JSON.")] = False,
) -> None:
    """Run the edge pipeline over a file as fast as possible and list the events found."""
    from doorstep.edge.scan import scan_file

    if not video.is_file():
        fail(f"{video} is not a file")
    out = out or video.with_name(f"{video.stem}-events")
    with Progress(
        TextColumn("scanning {task.description}"),
        TextColumn("{task.completed:.1f} s of video"),
        console=errors,
        transient=True,
        disable=json,
    ) as progress:
        task = progress.add_task(video.name, total=None)
        events = scan_file(
            video, out=out, progress=lambda seconds: progress.update(task, completed=seconds)
        )
    rows = [
        {
            "start_s": round(found.event.start_s, 2),
            "end_s": round(found.event.end_s, 2),
            "clip_start_s": round(found.event.clip_start_s, 2),
            "clip_end_s": round(found.event.clip_end_s, 2),
            "label": found.event.label,
            "score": round(found.event.score, 3),
            "snapshot": str(found.snapshot_path),
            "clip": str(found.clip_path),
        }
        for found in events
    ]
    if json:
        print_json({"video": str(video), "events": rows})
        return
    table = Table(title=f"{len(rows)} event(s) in {video.name}")
    for column in ("start s", "end s", "clip", "label", "score", "snapshot"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            f"{row['start_s']:.1f}",
            f"{row['end_s']:.1f}",
            f"{row['clip_start_s']:.1f}–{row['clip_end_s']:.1f} s",
            str(row["label"]),
            f"{row['score']:.2f}",
            str(row["snapshot"]),
        )
    console.print(table)


@app.command()
def run(
    config: Annotated[Path, typer.Option(help="The edge's TOML configuration.")] = Path(
        "edge.toml"
    ),
) -> None:
    """Record every configured camera and upload sealed events until Ctrl-C or SIGTERM."""
    from doorstep.edge.config import load_edge_config
    from doorstep.edge.daemon import EdgeDaemon

    settings = load_edge_config(config)
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=errors, show_path=False)],
    )
    daemon = EdgeDaemon(settings, base_dir=config.parent)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    console.print(
        f"Edge recording {len(settings.cameras)} camera(s) for {settings.hub.url}; "
        "stop with Ctrl-C."
    )
    daemon.run(stop)
    console.print("Edge stopped; events not yet uploaded stay in the outbox.")


@app.command()
def check(
    config: Annotated[Path, typer.Option(help="The edge's TOML configuration.")] = Path(
        "edge.toml"
    ),
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the configuration, the hub and every camera once; exit 1 if anything fails."""
    from doorstep.edge.config import load_edge_config
    from doorstep.edge.probe import probe_camera

    settings = load_edge_config(config)
    token = read_token(config.parent / settings.hub.token_file)
    device = _hub_call(
        "GET",
        f"{settings.hub.url.rstrip('/')}/v1/device",
        headers={"Authorization": f"Bearer {token}"},
    )
    known = {camera["id"] for camera in device["cameras"]}
    results = []
    for camera in settings.cameras:
        problem = None if str(camera.id) in known else "the hub has no such camera in this home"
        if problem is None:
            problem = probe_camera(camera, data_dir=config.parent / settings.data_dir)
        results.append({"camera": camera.name, "id": str(camera.id), "problem": problem})
    if json:
        print_json({"device": device["device"]["name"], "cameras": results})
    else:
        table = Table(title=f"Edge {device['device']['name']}: hub reachable, token valid")
        for column in ("camera", "status"):
            table.add_column(column)
        for row in results:
            table.add_row(str(row["camera"]), row["problem"] or "[green]ok[/]")
        console.print(table)
    if any(row["problem"] for row in results):
        raise typer.Exit(1)
