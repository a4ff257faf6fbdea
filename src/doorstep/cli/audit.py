"""``doorstep audit verify`` and ``doorstep audit watch``: check the log from outside."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.progress import Progress

from doorstep.audit import merkle
from doorstep.audit.checkpoint import CheckpointError, LogKey, open_checkpoint
from doorstep.audit.entries import canonical_json
from doorstep.audit.verify import LogEntry, LogVerificationFailed, default_workers, verify_log
from doorstep.cli.output import console, errors, fail, print_json
from doorstep.durable import write_atomically
from doorstep.errors import DoorstepError

app = typer.Typer(help="Check the public audit log: replay it, or watch it.", no_args_is_help=True)

KeyOption = Annotated[
    str | None,
    typer.Option(
        help="The log's verifier key (name+hash+key); default: the one the hub publishes."
    ),
]
PAGE = 1000


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


def _hub_entries(http: httpx.Client) -> Iterator[LogEntry]:
    start = 0
    while True:
        page = _get(http, "/v1/audit/entries", start=start, limit=PAGE)["data"]
        for row in page:
            yield row["index"], canonical_json(row["entry"]), base64.b64decode(row["leaf_hash"])
        if len(page) < PAGE:
            return
        start = page[-1]["index"] + 1


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
                source = _hub_entries(http)
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


def _watch_once(http: httpx.Client, key: LogKey, origin: str, state: Path) -> str:
    latest = _get(http, "/v1/audit/checkpoint")
    try:
        checkpoint = open_checkpoint(latest["note"], key=key, origin=origin)
    except CheckpointError as exc:
        raise LogVerificationFailed(f"the latest checkpoint: {exc.detail}") from exc
    if state.exists():
        seen = json.loads(state.read_text())
        old_size, old_root = int(seen["size"]), base64.b64decode(seen["root"])
        if checkpoint.size < old_size:
            raise LogVerificationFailed(
                f"rollback: the log is at size {checkpoint.size}, but it was at {old_size}"
            )
        if checkpoint.size == old_size and checkpoint.root != old_root:
            raise LogVerificationFailed(f"fork: two different roots for size {old_size}")
        if checkpoint.size > old_size:
            proof = _get(
                http, "/v1/audit/proofs/consistency", old_size=old_size, new_size=checkpoint.size
            )["proof"]
            try:
                merkle.verify_consistency(
                    old_size=old_size,
                    new_size=checkpoint.size,
                    old_root=old_root,
                    new_root=checkpoint.root,
                    proof=[base64.b64decode(h) for h in proof],
                )
            except merkle.ProofError as exc:
                raise LogVerificationFailed(
                    f"fork: size {checkpoint.size} does not extend size {old_size}: {exc.detail}"
                ) from exc
    record = {"size": checkpoint.size, "root": base64.b64encode(checkpoint.root).decode()}
    write_atomically(state, json.dumps(record).encode())
    return f"size {checkpoint.size}, root {record['root']}: consistent with what was seen"


@app.command()
def watch(
    hub: Annotated[str, typer.Option(help="The hub whose log to watch.")],
    state: Annotated[Path, typer.Option(help="Where the last checkpoint seen is kept.")],
    key: KeyOption = None,
    interval: Annotated[float, typer.Option(help="Seconds between checks.", min=1)] = 60.0,
    once: Annotated[bool, typer.Option(help="Check once and exit.")] = False,
) -> None:
    """A witness: alarm (exit 2) if the log ever forks or rolls back from what it saw."""
    http = httpx.Client(base_url=hub.rstrip("/"), timeout=30)
    log_key, origin = _log_key(http, key)
    while True:
        try:
            console.print(_watch_once(http, log_key, origin, state))
        except LogVerificationFailed as exc:
            fail(f"ALARM: {exc.detail}", code=2)
        if once:
            return
        time.sleep(interval)
