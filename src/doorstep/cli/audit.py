"""``doorstep audit verify`` and ``doorstep audit watch``: check the log from outside."""

from __future__ import annotations

import base64
import functools
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.progress import Progress

from doorstep import __version__
from doorstep.audit.checkpoint import Checkpoint, CheckpointError, LogKey
from doorstep.audit.entries import key_label
from doorstep.audit.follow import (
    PAGE,
    FollowedLog,
    Get,
    consistency_from,
    hub_entries,
    newest_checkpoint,
)
from doorstep.audit.keyproof import CheckpointMemory, KeyAlarm, KeyRefused
from doorstep.audit.verify import LogVerificationFailed, default_workers, verify_log
from doorstep.audit.web import check_web
from doorstep.cli.output import console, errors, fail, print_json
from doorstep.errors import DoorstepError

app = typer.Typer(help="Check the public audit log: replay it, or watch it.", no_args_is_help=True)

KeyOption = Annotated[
    str | None,
    typer.Option(
        help="The log's verifier key (name+hash+key); default: the one the hub publishes."
    ),
]


def _get(http: httpx.Client, path: str, **params: Any) -> Any:
    try:
        response = http.get(path, params=params)
    except httpx.HTTPError as exc:
        raise DoorstepError(f"can't reach the hub: {exc.__class__.__name__}: {exc}") from exc
    if not response.is_success:
        raise DoorstepError(f"the hub answered {response.status_code} for {path}")
    return response.json()


def _log_key(http: httpx.Client, pinned: str | None) -> tuple[LogKey, str]:
    published = _get(http, "/v1/audit/key")
    key = LogKey.from_vkey(pinned or published["vkey"])
    return key, published["origin"] if pinned is None else key.name


def _hub_checkpoints(http: httpx.Client) -> list[str]:
    notes, after = [], 0
    while True:
        page = _get(http, "/v1/audit/checkpoints", after=after, limit=PAGE)["data"]
        notes += [row["note"] for row in page]
        if len(page) < PAGE:
            return notes
        after = page[-1]["size"]


@app.command()
def verify(
    hub: Annotated[str | None, typer.Option(help="Fetch the log from this hub.")] = None,
    db: Annotated[str | None, typer.Option(help="Read the log from this database URL.")] = None,
    key: KeyOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes that check and hash entries; default one per CPU from 100,000 on.",
            min=1,
            max=64,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Replay every entry, recompute the tree and check every signed checkpoint against it."""
    if (hub is None) == (db is None):
        fail("give exactly one of --hub URL or --db URL")
    from sqlalchemy.exc import SQLAlchemyError  # the database drivers load only for --db

    from doorstep.hub.audit.replay import stored_log

    try:
        with ExitStack() as stack:
            if db is not None:
                if key is None:
                    fail("--db needs --key: the log's verifier key (GET /v1/audit/key)")
                log_key = LogKey.from_vkey(key)
                origin = log_key.name
                stored = stack.enter_context(stored_log(db))
                notes, size, source = stored.notes, stored.size, stored.entries
            else:
                assert hub is not None
                http = stack.enter_context(httpx.Client(base_url=hub.rstrip("/"), timeout=30))
                log_key, origin = _log_key(http, key)
                notes = _hub_checkpoints(http)
                size = int(_get(http, "/v1/audit/checkpoint")["size"]) if notes else 0
                source = hub_entries(functools.partial(_get, http))
            bar = stack.enter_context(Progress(console=errors, transient=True, disable=json_output))
            task = bar.add_task("replaying the log", total=size or None)
            result = verify_log(
                source,
                notes,
                key=log_key,
                origin=origin,
                progress=lambda done: bar.update(task, completed=done),
                workers=workers or default_workers(size),
            )
    except (LogVerificationFailed, CheckpointError) as exc:
        fail(f"audit log verification failed: {exc.detail}")
    except SQLAlchemyError as exc:
        fail(f"can't read the audit log from the database: {exc.__class__.__name__}: {exc}")
    summary = {
        "entries": result.size,
        "checkpoints": result.checkpoints,
        "root": base64.b64encode(result.root).decode(),
        "key": log_key.vkey(),
    }
    if json_output:
        print_json(summary)
        return
    console.print(
        f"The audit log verifies: {result.size} entries, {result.checkpoints} signed "
        f"checkpoints, root {summary['root']} (key {log_key.vkey()})."
    )


def _watched_ids(path: Path) -> dict[str, str]:
    """The ids in an accounts file, one a line (``#`` comments): label → what it names.

    Each id is watched as a user and as a home: a label of a kind that doesn't exist
    never appears in the log.
    """
    labels: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            watched = uuid.UUID(text)
        except ValueError:
            fail(f"{path} line {number}: {text!r} is not a user or home id")
        for kind in ("user", "home"):
            labels[key_label(kind, watched)] = f"{kind} {watched}"
    if not labels:
        fail(f"{path} names no user or home id")
    return labels


def _check_accounts(get: Get, checkpoint: Checkpoint, state: Path, watched: Path) -> str:
    labels = _watched_ids(watched)
    followed = FollowedLog.load(state)
    new = followed.advance(get, checkpoint=checkpoint, watched=labels)
    if new:
        named = "; ".join(
            f"entry {e.index} {e.action} for {labels[str(e.objects['label'])]} at {e.at}"
            for e in new
        )
        raise KeyAlarm(f"new key entries for watched accounts: {named}")
    return (
        f"accounts: {len(followed.entries)} key entries for {len(labels) // 2} watched ids, "
        "none new since the last check"
    )


def _check_web(web: str, get: Get, log_key: LogKey, memory: CheckpointMemory) -> str:
    from doorstep.hub.web import WEB_STATIC
    from doorstep.hub.web.manifest import static_files

    with httpx.Client(base_url=web.rstrip("/"), timeout=30) as site:

        def fetch(path: str) -> bytes:
            try:
                response = site.get(f"/static/{path}")
            except httpx.HTTPError as exc:
                raise DoorstepError(f"can't fetch /static/{path}: {exc}") from exc
            return response.content if response.is_success else b""

        manifest = _get(site, "/v1/web/manifest")
        found = check_web(
            manifest,
            fetch=fetch,
            installed=static_files(WEB_STATIC),
            log_key=log_key,
            memory=memory,
            consistency=consistency_from(get),
        )
    if found.served_differ:
        raise KeyAlarm(
            f"{web} serves web files that differ from the manifest in the log "
            f"(sha256 {found.sha256}): {', '.join(found.served_differ)}"
        )
    release = (
        "matches the published release"
        if not found.release_differ
        else f"differs from this installed Doorstep {__version__} in: "
        + ", ".join(found.release_differ)
    )
    return f"web: {len(found.files)} files match the logged manifest {found.sha256}; {release}"


@app.command()
def watch(
    state: Annotated[Path, typer.Option(help="Where the last checkpoint seen is kept.")],
    hub: Annotated[
        str | None, typer.Option(help="The hub whose log to watch (default: the --web URL).")
    ] = None,
    key: KeyOption = None,
    accounts: Annotated[
        Path | None,
        typer.Option(
            help="A file of user and home ids, one a line: alarm on any new key entry for them."
        ),
    ] = None,
    web: Annotated[
        str | None,
        typer.Option(help="Check that this hub's web files are the ones its log holds."),
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between checks.", min=1)] = 60.0,
    once: Annotated[bool, typer.Option(help="Check once and exit.")] = False,
) -> None:
    """A witness: alarm (exit 2) if the log forks or rolls back, a watched account gets a
    new key, or the web code served differs from the logged manifest."""
    hub = hub or web
    if hub is None:
        fail("give --hub URL (or --web URL)")
    with httpx.Client(base_url=hub.rstrip("/"), timeout=30) as http:

        def get(path: str, **params: Any) -> Any:
            return _get(http, path, **params)

        memory = CheckpointMemory(state)
        try:
            published = get("/v1/audit/key")
            log_key = memory.log_key(key or published["vkey"])
            origin = published["origin"] if key is None else log_key.name
            while True:
                checkpoint = newest_checkpoint(get, log_key=log_key, origin=origin, memory=memory)
                root = base64.b64encode(checkpoint.root).decode()
                console.print(f"size {checkpoint.size}, root {root}: consistent with what was seen")
                if accounts is not None:
                    watched = state.with_name(f"{state.stem}.accounts.json")
                    console.print(_check_accounts(get, checkpoint, watched, accounts))
                if web is not None:
                    console.print(_check_web(web, get, log_key, memory))
                if once:
                    return
                time.sleep(interval)
        except (LogVerificationFailed, KeyRefused) as exc:
            fail(f"ALARM: {exc.detail}", code=2)
