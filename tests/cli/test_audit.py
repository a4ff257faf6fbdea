"""`doorstep audit verify` and `doorstep audit watch` against a real hub and its database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from doorstep.audit.checkpoint import generate_log_key
from tests.edge.hub_process import OWNER, HubProcess, create_home


def run(*arguments: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", "audit", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    return result.returncode, result.stdout + result.stderr


def wait_for_checkpoint(hub: HubProcess, size: int) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        latest = httpx.get(f"{hub.url}/v1/audit/checkpoint")
        if latest.status_code == 200 and latest.json()["size"] >= size:
            found: dict[str, object] = latest.json()
            return found
        time.sleep(0.2)
    raise AssertionError(f"no checkpoint of size {size} within 30 s")


def busy_hub(hub: HubProcess) -> int:
    """Some real activity: an owner with keys and a home (entries), then sign-ins."""
    create_home(hub.url)
    for password in (OWNER["password"], "a wrong password", OWNER["password"]):
        httpx.post(f"{hub.url}/v1/auth/login", json={**OWNER, "password": password})
    size: int = httpx.get(f"{hub.url}/v1/audit/entries").json()["count"]
    return size


def test_verify_and_watch_a_healthy_log(hub: HubProcess, tmp_path: Path) -> None:
    size = busy_hub(hub)
    assert size >= 5
    wait_for_checkpoint(hub, size)
    code, output = run("verify", "--hub", hub.url, "--json")
    assert code == 0, output
    assert json.loads(output)["entries"] == size
    state = tmp_path / "witness.json"
    code, output = run("watch", "--hub", hub.url, "--state", str(state), "--once")
    assert code == 0, output
    httpx.post(f"{hub.url}/v1/auth/login", json=OWNER)
    wait_for_checkpoint(hub, size + 1)
    code, output = run("watch", "--hub", hub.url, "--state", str(state), "--once")
    assert code == 0 and "consistent" in output, output


def test_tampering_with_the_database_is_found(hub: HubProcess, tmp_path: Path) -> None:
    size = busy_hub(hub)
    latest = wait_for_checkpoint(hub, size)
    vkey = httpx.get(f"{hub.url}/v1/audit/key").json()["vkey"]
    database = hub.data_dir / "doorstep.db"
    url = f"sqlite:///{database}"
    assert run("verify", "--db", url, "--key", vkey)[0] == 0
    state = tmp_path / "witness.json"
    assert run("watch", "--hub", hub.url, "--state", str(state), "--once")[0] == 0

    with sqlite3.connect(database) as db:
        (public,) = db.execute('SELECT public FROM audit_entries WHERE "index" = 2').fetchone()
        db.execute(
            'UPDATE audit_entries SET public = ? WHERE "index" = 2',
            (bytes(public).replace(b'"at":"', b'"at":"1', 1),),
        )
    code, output = run("verify", "--db", url, "--key", vkey)
    assert code != 0 and "entry 2 differs" in output, output

    with sqlite3.connect(database) as db:
        db.execute('DELETE FROM audit_entries WHERE "index" >= ?', (size - 2,))
        db.execute('UPDATE audit_entries SET public = ? WHERE "index" = 2', (public,))
    code, output = run("verify", "--db", url, "--key", vkey)
    assert code != 0 and "no longer has" in output, output

    _, impostor = generate_log_key(str(latest["note"]).split("\n")[0])
    code, output = run("verify", "--db", url, "--key", impostor.vkey())
    assert code != 0 and "no signature by" in output, output

    # The witness saw the log at some size; the log goes back to an older checkpoint.
    httpx.post(f"{hub.url}/v1/auth/login", json=OWNER)
    grown = wait_for_checkpoint(hub, size + 1)["size"]
    assert run("watch", "--hub", hub.url, "--state", str(state), "--once")[0] == 0
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_head SET size = ?", (size,))
        db.execute("DELETE FROM audit_checkpoints WHERE size > ?", (size,))
    code, output = run("watch", "--hub", hub.url, "--state", str(state), "--once")
    assert code == 2 and "ALARM: rollback" in output and str(grown) in output, output
