"""`doorstep edge pair` against a real hub on each backend: the owner key the code binds is
checked before anything is written or paired; then key, token and trust files (0600)
and a starter config. A hub that serves another owner key gets one error line, and
nothing is stored on either side."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner

from doorstep.cli import app
from doorstep.crypto.keys import public_raw
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.edge.config import load_edge_config
from tests.cli.processes import free_port
from tests.edge.hub_process import OwnedHome, create_home
from tests.lying_hub import ServedHub

REFUSED = "the hub's owner key does not match this pairing code: pairing refused"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def grouped(raw: bytes) -> str:
    """The key's fingerprint as docs/crypto-format.md defines it: SHA-256, 32 hex digits
    in groups of four."""
    digits = hashlib.sha256(raw).hexdigest()[:32]
    return " ".join(digits[i : i + 4] for i in range(0, 32, 4))


def owner_signing_key(home: OwnedHome) -> bytes:
    return public_raw(signing_key_of(home.user_key).public_key())


def hub_devices(url: str, home: OwnedHome) -> list[dict[str, Any]]:
    with home.api(url) as api:
        devices: list[dict[str, Any]] = api.call("GET", f"/v1/homes/{home.home_id}/devices")["data"]
    return devices


def test_pair_writes_private_files_the_trust_it_pinned_and_a_config(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    url = served_hub.url
    home = create_home(url)
    code = home.pairing_code(url)
    assert len(code.code) == 26 and code.code.count("-") == 4
    data, config = tmp_path / "edge-data", tmp_path / "conf" / "edge.toml"
    config.parent.mkdir()
    result = CliRunner().invoke(
        app,
        [
            "edge",
            "pair",
            code.code.lower(),
            "--hub",
            url,
            "--data",
            str(data),
            "--name",
            "Garage box",
            "--write-config",
            str(config),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["device"]["name"] == "Garage box"
    assert [c["id"] for c in answer["cameras"]] == [str(home.camera_id)]
    device_key = base64.b64decode(answer["device"]["public_key"])
    assert answer["device_key_fingerprint"] == grouped(device_key)
    for secret in ("device.key", "edge-token", "trust.json"):
        assert stat.S_IMODE((data / secret).stat().st_mode) == 0o600
    token = (data / "edge-token").read_text()
    assert token not in result.output
    device = httpx.get(f"{url}/v1/device", headers={"Authorization": f"Bearer {token}"})
    assert device.status_code == 200
    # What the edge trusts from now on: this owner's key and this log's key.
    log_vkey = httpx.get(f"{url}/v1/audit/key").json()["vkey"]
    assert json.loads((data / "trust.json").read_text()) == {
        "home_id": home.home_id,
        "owner_signing_keys": [b64(owner_signing_key(home))],
        "log_vkey": log_vkey,
        "key_list": None,
    }
    # The device's pairing tag checks with the code's secret: the owner's client signs it in.
    listed = home.accept(url, code)
    assert listed.public_key == device_key
    loaded = load_edge_config(config)
    assert loaded.cameras[0].id == home.camera_id
    assert loaded.hub.url == url
    # Paths in the file are relative to it, wherever it was written from.
    assert (config.parent / loaded.hub.token_file).resolve() == (data / "edge-token").resolve()
    assert (config.parent / loaded.data_dir).resolve() == data.resolve()


def test_the_fingerprint_is_printed_for_the_owner_to_compare(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    home = create_home(served_hub.url)
    code = home.pairing_code(served_hub.url)
    data = tmp_path / "edge-data"
    result = CliRunner().invoke(
        app, ["edge", "pair", code.code, "--hub", served_hub.url, "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    [device] = hub_devices(served_hub.url, home)
    assert grouped(base64.b64decode(device["public_key"])) in " ".join(result.output.split())


def another_owner_key(answer: dict[str, Any]) -> dict[str, Any]:
    other = signing_key_of(X25519PrivateKey.generate())
    return {**answer, "owner_signing_key": b64(public_raw(other.public_key()))}


def another_tag(answer: dict[str, Any]) -> dict[str, Any]:
    return {**answer, "owner_tag": b64(bytes(32))}


@pytest.mark.parametrize("lie", [another_owner_key, another_tag], ids=["key", "tag"])
@pytest.mark.parametrize("had_a_key", [False, True], ids=["new", "keyed"])
def test_a_hub_serving_another_owner_key_pairs_nothing(
    tmp_path: Path, served_hub: ServedHub, lie: Any, had_a_key: bool
) -> None:
    url, lying = served_hub.url, served_hub.lying
    home = create_home(url)
    code = home.pairing_code(url)
    data = tmp_path / "edge-data"
    if had_a_key:  # a device paired before keeps its key, untouched
        data.mkdir()
        (data / "device.key").write_bytes(b"an earlier key")
        (data / "device.key").chmod(0o600)
    lying.rewrite("POST", "/v1/devices/pairing-owner", lie)
    result = CliRunner().invoke(app, ["edge", "pair", code.code, "--hub", url, "--data", str(data)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {REFUSED}"]
    assert lying.rewritten == [("POST", "/v1/devices/pairing-owner")]
    expected = {"device.key": b"an earlier key"} if had_a_key else {}
    stored = {p.name: p.read_bytes() for p in data.iterdir()} if data.exists() else {}
    assert stored == expected
    # The hub paired nothing, and the code was never used.
    assert hub_devices(url, home) == []
    lying.reset()
    honest = httpx.post(f"{url}/v1/devices/pairing-owner", json={"code": code.code[:11]})
    assert honest.status_code == 200, honest.text


def test_a_used_code_is_one_clear_error(tmp_path: Path, served_hub: ServedHub) -> None:
    home = create_home(served_hub.url)
    code = home.pairing_code(served_hub.url).code
    runner = CliRunner()
    first = runner.invoke(
        app, ["edge", "pair", code, "--hub", served_hub.url, "--data", str(tmp_path / "a")]
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(
        app, ["edge", "pair", code, "--hub", served_hub.url, "--data", str(tmp_path / "b")]
    )
    assert again.exit_code == 1
    assert "used already" in again.output
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("AAAAA-AAAAA", "this code has no owner part; make a new one with `doorstep keys pair`"),
        ("AAAAA-AAAAA-BBBB-CCCC", "the pairing code has 22 characters"),
    ],
)
def test_a_code_without_its_secret_part_is_refused_before_any_call(
    tmp_path: Path, code: str, says: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: no call is made
    result = CliRunner().invoke(app, ["edge", "pair", code, "--hub", url, "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert says in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_hub_is_one_clear_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        app,
        ["edge", "pair", "AAAAA-AAAAA-BBBB-CCCC-DDDD", "--hub", url, "--data", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "can't reach the hub" in result.output
