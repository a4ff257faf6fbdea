"""``doorstep evidence verify`` and ``verify-receipt``: exit codes, tables, one-line failures."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner, Result

from doorstep.cli import app
from doorstep.crypto.keys import private_raw
from doorstep.evidence.receipt import sign_receipt
from tests.evidence.factory import Footage, build_package, make_footage, make_hub, members, rewrite
from tests.evidence.test_receipt import receipt_body


def invoke(*arguments: str) -> Result:
    return CliRunner().invoke(app, ["evidence", *arguments], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def footage() -> Footage:
    return make_footage(0)


@pytest.fixture
def setup(tmp_path: Path, footage: Footage) -> tuple[Path, Path, str]:
    """A package, the agency's key file (0600) and the hub's vkey."""
    hub = make_hub()
    agency = X25519PrivateKey.generate()
    package = tmp_path / "package.zip"
    package.write_bytes(build_package(hub, [footage], agency=agency))
    key = tmp_path / "agency.key"
    key.write_text(base64.b64encode(private_raw(agency)).decode() + "\n")
    key.chmod(0o600)
    return package, key, hub.log_key.vkey()


def test_verify_prints_what_was_checked_and_decrypts(
    setup: tuple[Path, Path, str], footage: Footage, tmp_path: Path
) -> None:
    package, key, vkey = setup
    out = tmp_path / "out"
    result = invoke("verify", str(package), "--key", str(key), "--hub-key", vkey, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "verifies" in result.stdout and "What was checked" in result.stdout
    assert "custody" in result.stdout and f"yes, into {out}" in result.stdout
    assert (out / str(footage.clip_id) / "clip.mp4").read_bytes() == footage.plaintexts["clip"]
    hub_key_file = tmp_path / "hub.vkey"
    hub_key_file.write_text(vkey + "\n")
    result = invoke("verify", str(package), "--hub-key", str(hub_key_file), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["verified"] and report["hub_key_pinned"] and not report["decrypted"]


def _one_line_failure(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_tampered_package_fails_in_one_line_naming_the_file(
    setup: tuple[Path, Path, str], footage: Footage
) -> None:
    package, key, vkey = setup
    files = members(package.read_bytes())
    name = f"clips/{footage.clip_id}/snapshot.sealed"
    data, compression = files[name]
    files[name] = (data[:-1] + bytes([data[-1] ^ 1]), compression)
    package.write_bytes(rewrite(files))
    result = invoke("verify", str(package), "--key", str(key))
    _one_line_failure(result, "verification failed", name, "SHA-256")


def test_a_wrong_pinned_key_or_agency_key_fails(setup: tuple[Path, Path, str]) -> None:
    package, key, _ = setup
    other = make_hub().log_key.vkey()
    _one_line_failure(invoke("verify", str(package), "--hub-key", other), "hub-key.txt", "pinned")
    key.write_text(base64.b64encode(private_raw(X25519PrivateKey.generate())).decode())
    _one_line_failure(invoke("verify", str(package), "--key", str(key)), "keys.json")
    _one_line_failure(invoke("verify", str(package), "--hub-key", "nonsense"), "--hub-key")


def test_a_key_file_others_can_read_is_refused(setup: tuple[Path, Path, str]) -> None:
    package, key, _ = setup
    key.chmod(0o640)
    _one_line_failure(invoke("verify", str(package), "--key", str(key)), "chmod 600", "640")
    key.chmod(0o600)
    key.write_text("not base64!")
    _one_line_failure(invoke("verify", str(package), "--key", str(key)), "base64")
    _one_line_failure(invoke("verify", str(package), "--out", "x"), "--out needs --key")


def test_verify_receipt(tmp_path: Path) -> None:
    hub = make_hub()
    receipt = sign_receipt(receipt_body(hub), signing_key=hub.signing_key, log_key=hub.log_key)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    result = invoke("verify-receipt", str(path), "--hub-key", hub.log_key.vkey())
    assert result.exit_code == 0, result.output
    assert "verifies" in result.stdout and "SPD-2026-0412" in result.stdout
    result = invoke("verify-receipt", str(path), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["agency"].startswith("Springfield")
    receipt["receipt"]["expires_at"] = "2030-01-01T00:00:00Z"
    path.write_text(json.dumps(receipt))
    _one_line_failure(invoke("verify-receipt", str(path)), "receipt verification failed", "edited")


def test_the_installed_command_exits_non_zero_on_failure(setup: tuple[Path, Path, str]) -> None:
    package, _, _ = setup
    files = members(package.read_bytes())
    del files["custody.json"]
    package.write_bytes(rewrite(files))
    result = subprocess.run(
        [sys.executable, "-m", "doorstep", "evidence", "verify", str(package)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        "error: evidence package verification failed: custody.json: is missing from the package"
    )
