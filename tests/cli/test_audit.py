"""`doorstep audit verify` and `doorstep audit watch` against a real hub and its database;
`watch --web` and `--accounts` against a hub that lies, on both backends."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import doorstep.hub.web
import doorstep.hub.web.manifest
from doorstep.audit.checkpoint import generate_log_key
from doorstep.cli import app
from doorstep.owner.api import HubApi
from doorstep.owner.keys import publish_user_key
from tests.cli.processes import run, run_here
from tests.edge.hub_process import OWNER, HubProcess, create_home
from tests.hub.actors import TEST_BOX
from tests.lying_hub import ServedHub


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
    client = tmp_path / "client"
    size = busy_hub(hub)
    assert size >= 5
    wait_for_checkpoint(hub, size)
    code, output = run(client, "audit", "verify", "--hub", hub.url, "--json")
    assert code == 0, output
    assert json.loads(output)["entries"] == size
    state = tmp_path / "witness.json"
    code, output = run(client, "audit", "watch", "--hub", hub.url, "--state", str(state), "--once")
    assert code == 0, output
    httpx.post(f"{hub.url}/v1/auth/login", json=OWNER)
    wait_for_checkpoint(hub, size + 1)
    code, output = run(client, "audit", "watch", "--hub", hub.url, "--state", str(state), "--once")
    assert code == 0 and "consistent" in output, output


def test_tampering_with_the_database_is_found(hub: HubProcess, tmp_path: Path) -> None:
    # The commands' logic, in this process; test_verify_and_watch_a_healthy_log runs them
    # as real processes.
    def audit(*arguments: str) -> tuple[int, str]:
        return run_here(tmp_path / "client", "audit", *arguments)

    size = busy_hub(hub)
    latest = wait_for_checkpoint(hub, size)
    vkey = httpx.get(f"{hub.url}/v1/audit/key").json()["vkey"]
    database = hub.data_dir / "doorstep.db"
    url = f"sqlite:///{database}"
    assert audit("verify", "--db", url, "--key", vkey)[0] == 0
    state = tmp_path / "witness.json"
    assert audit("watch", "--hub", hub.url, "--state", str(state), "--once")[0] == 0

    with sqlite3.connect(database) as db:
        (public,) = db.execute('SELECT public FROM audit_entries WHERE "index" = 2').fetchone()
        db.execute(
            'UPDATE audit_entries SET public = ? WHERE "index" = 2',
            (bytes(public).replace(b'"at":"', b'"at":"1', 1),),
        )
    code, output = audit("verify", "--db", url, "--key", vkey)
    assert code != 0 and "entry 2 differs" in output, output

    with sqlite3.connect(database) as db:
        db.execute('DELETE FROM audit_entries WHERE "index" >= ?', (size - 2,))
        db.execute('UPDATE audit_entries SET public = ? WHERE "index" = 2', (public,))
    code, output = audit("verify", "--db", url, "--key", vkey)
    assert code != 0 and "no longer has" in output, output

    _, impostor = generate_log_key(str(latest["note"]).split("\n")[0])
    code, output = audit("verify", "--db", url, "--key", impostor.vkey())
    assert code != 0 and "no signature by" in output, output

    # The witness saw the log at some size; the log goes back to an older checkpoint.
    httpx.post(f"{hub.url}/v1/auth/login", json=OWNER)
    grown = wait_for_checkpoint(hub, size + 1)["size"]
    assert audit("watch", "--hub", hub.url, "--state", str(state), "--once")[0] == 0
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_head SET size = ?", (size,))
        db.execute("DELETE FROM audit_checkpoints WHERE size > ?", (size,))
    code, output = audit("watch", "--hub", hub.url, "--state", str(state), "--once")
    assert code == 2 and "ALARM: rollback" in output and str(grown) in output, output


def watch(*arguments: str) -> tuple[int, str]:
    """`doorstep audit watch ... --once` in this process (the served hub runs here too)."""
    result = CliRunner().invoke(
        app, ["audit", "watch", *arguments, "--once"], env={"COLUMNS": "200"}
    )
    return result.exit_code, result.output


STATIC = Path(doorstep.hub.web.__file__).parent / "static"


def test_watch_web_says_the_served_files_are_the_logged_release(
    served_hub: ServedHub, tmp_path: Path
) -> None:
    shipped = [path for path in STATIC.rglob("*") if path.is_file()]
    assert len(shipped) >= 8 and STATIC / "doorstep-crypto.js" in shipped
    state = str(tmp_path / "witness.json")
    code, output = watch("--web", served_hub.url, "--state", state)
    assert code == 0, output
    assert f"web: {len(shipped)} files match the logged manifest" in output
    assert "matches the published release" in output


def test_watch_web_names_the_files_that_differ_from_this_installed_release(
    served_hub: ServedHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = {
        path.relative_to(STATIC).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in STATIC.rglob("*")
        if path.is_file()
    }
    shipped["doorstep-crypto.js"] = hashlib.sha256(b"a newer release's module").hexdigest()
    shipped["doorstep-new.js"] = hashlib.sha256(b"a module the hub doesn't have").hexdigest()
    monkeypatch.setattr(doorstep.hub.web.manifest, "static_files", lambda directory: shipped)
    code, output = watch("--web", served_hub.url, "--state", str(tmp_path / "witness.json"))
    assert code == 0, output  # the hub serves what it logged: no alarm, but not this release
    named = "doorstep-crypto.js, doorstep-new.js"
    said = f"differs from this installed Doorstep {doorstep.__version__} in: {named}"
    assert said in output.replace("\n", ""), output


def test_watch_web_names_a_static_file_served_unlike_the_log(
    served_hub: ServedHub, tmp_path: Path
) -> None:
    state = str(tmp_path / "witness.json")
    assert watch("--web", served_hub.url, "--state", state)[0] == 0
    served_hub.lying.rewrite_bytes(
        "GET", r"/static/doorstep-crypto\.js", lambda body: body + b"\nsendKeysAway();\n"
    )
    code, output = watch("--web", served_hub.url, "--state", state)
    assert code == 2, output
    alarm = output[output.index("ALARM: ") :]
    assert "serves web files that differ from the manifest in the log" in alarm
    assert alarm.rstrip().endswith(": doorstep-crypto.js"), alarm  # that file, and no other


def _other_file_hash(manifest: dict[str, Any]) -> dict[str, Any]:
    files = dict(manifest["files"])
    files["doorstep-crypto.js"] = hashlib.sha256(b"the hub's own module").hexdigest()
    return {**manifest, "files": files}


@pytest.mark.parametrize(
    ("lie", "says"),
    [
        (_other_file_hash, "the web manifest's files do not hash to the sha256 in the log"),
        (lambda manifest: {**manifest, "proof": None}, "the key has no inclusion proof"),
        (
            lambda manifest: {**manifest, "sha256": hashlib.sha256(b"another").hexdigest()},
            "the key's log entry says sha256 is",
        ),
    ],
)
def test_watch_web_refuses_a_manifest_the_log_does_not_hold(
    served_hub: ServedHub, tmp_path: Path, lie: Callable[[Any], Any], says: str
) -> None:
    served_hub.lying.rewrite("GET", r"/v1/web/manifest", lie)
    code, output = watch("--web", served_hub.url, "--state", str(tmp_path / "witness.json"))
    assert code == 2, output
    assert f"ALARM: {says}" in output


def test_watch_accounts_alarms_on_a_new_key_for_a_watched_id_only(
    served_hub: ServedHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = create_home(served_hub.url)
    user_id = httpx.get(
        f"{served_hub.url}/v1/me", headers={"Authorization": f"Bearer {home.token}"}
    ).json()["id"]
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(f"# the owner and their home\n{user_id}\n\n{home.home_id}  # home\n")
    arguments = ("--hub", served_hub.url, "--state", str(tmp_path / "w.json"))
    arguments += ("--accounts", str(accounts))
    code, output = watch(*arguments)
    assert code == 0, output
    # The owner's key and the home's first key list.
    assert "accounts: 2 key entries for 2 watched ids, none new since the last check" in output

    create_home(served_hub.url, {"email": "neighbour@doorstep.example", "password": "p" * 16})
    code, output = watch(*arguments)  # someone else's key and home: not watched
    assert code == 0, output

    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(tmp_path / "elsewhere"))
    with HubApi(served_hub.url, home.token) as api:
        publish_user_key(api, "another long passphrase for the account 9", parameters=TEST_BOX)
    code, output = watch(*arguments)
    assert code == 2, output
    assert "ALARM: new key entries for watched accounts: entry" in output
    assert f"user_key.published for user {user_id}" in output
    code, output = watch(*arguments)  # told once: no longer new
    assert code == 0 and "3 key entries" in output, output


def test_watch_accounts_refuses_a_line_that_is_no_id(served_hub: ServedHub, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.txt"
    accounts.write_text("owner@doorstep.example\n")
    code, output = watch(
        "--hub", served_hub.url, "--state", str(tmp_path / "w.json"), "--accounts", str(accounts)
    )
    assert code == 1
    assert "accounts.txt line 1: 'owner@doorstep.example' is not a user or home id" in output
