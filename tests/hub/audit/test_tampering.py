"""`doorstep audit verify --db` catches tampering with the log's rows, on both backends."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import delete, update
from typer.testing import CliRunner

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, generate_log_key, sign_checkpoint
from doorstep.cli.audit import app as audit_app
from doorstep.hub.audit.checkpoints import issue_checkpoint, log_key
from doorstep.hub.audit.models import AuditCheckpoint, AuditEntry
from doorstep.hub.audit.service import append_entry
from doorstep.hub.db import transaction
from doorstep.hub.state import HubState


def verify(hub: HubState, *options: str, installed: bool = False) -> tuple[int, str]:
    """`audit verify` on the hub's database, pinned to the hub's log key: the Typer command
    in this process, or with ``installed`` the installed command in its own process."""
    vkey = log_key(hub.secret_key, hub.settings.audit_origin).vkey()
    arguments = ["verify", "--db", hub.settings.database_url, "--key", vkey, *options]
    if installed:
        result = subprocess.run(
            [sys.executable, "-m", "doorstep", "audit", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "200"},
        )
        return result.returncode, result.stdout + result.stderr
    ran = CliRunner().invoke(audit_app, arguments, env={"COLUMNS": "200"}, catch_exceptions=False)
    return ran.exit_code, ran.stdout + ran.stderr


def grow(hub: HubState, count: int) -> None:
    with transaction(hub.sessions) as session:
        for n in range(count):
            append_entry(session, action="test.entry", actor={"kind": "system"}, objects={"n": n})
    issue_checkpoint(hub.sessions, secret_key=hub.secret_key, origin=hub.settings.audit_origin)


async def test_an_edited_entry_is_named_by_its_index(hub: HubState) -> None:
    grow(hub, 9)  # after entry 0, the web manifest the hub logged at start
    code, output = verify(hub)
    assert code == 0 and "10 entries" in output, output

    with transaction(hub.sessions) as session:
        forged = session.get_one(AuditEntry, 4).public.replace(b'"n":3', b'"n":5')
        session.execute(update(AuditEntry).where(AuditEntry.index == 4).values(public=forged))
    code, output = verify(hub)
    assert code != 0 and "entry 4 differs" in output, output
    # The installed command, its worker processes checking and hashing.
    code, output = verify(hub, "--workers", "2", installed=True)
    assert code != 0 and "entry 4 differs" in output, output


async def test_deleting_the_last_entries_breaks_the_last_checkpoint(hub: HubState) -> None:
    grow(hub, 5)  # after entry 0, the web manifest the hub logged at start
    grow(hub, 6)
    with transaction(hub.sessions) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.index >= 9))
    code, output = verify(hub)
    assert code != 0, output
    assert "checkpoint at size 12 covers entries the log no longer has (it has 9)" in output


async def test_a_checkpoint_re_signed_with_another_key_fails(hub: HubState) -> None:
    grow(hub, 7)  # after entry 0, the web manifest the hub logged at start
    origin = hub.settings.audit_origin
    # Rewrite entry 3, rebuild the tree and sign its root with a key of the same name.
    with transaction(hub.sessions) as session:
        rows = session.query(AuditEntry).order_by(AuditEntry.index).all()
        rows[3].public = rows[3].public.replace(b'"n":2', b'"n":30')
        root = merkle.root_of([merkle.leaf_hash(row.public) for row in rows])
        impostor, _ = generate_log_key(origin)
        note = sign_checkpoint(
            Checkpoint(origin=origin, size=8, root=root), name=origin, private_key=impostor
        )
        session.execute(
            update(AuditCheckpoint).where(AuditCheckpoint.size == 8).values(root=root, note=note)
        )
    code, output = verify(hub)
    assert code != 0 and "no signature by" in output, output
