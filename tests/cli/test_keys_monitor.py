"""`doorstep keys monitor` against a real hub on both backends: quiet for this client's keys,
an alarm (exit 2) naming a key made elsewhere or a key list signed by a stranger."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner

from doorstep.audit.entries import key_label
from doorstep.cli import app
from doorstep.crypto.keylist import SignedKeyList, parse_list, sign_list, with_home_key
from doorstep.crypto.keys import fingerprint, key_id, public_raw
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.hub.audit.service import actor_of, append_entry
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.owner.api import HubApi
from doorstep.owner.credentials import Credentials, save_credentials, save_user_key
from doorstep.owner.keys import publish_user_key
from tests.edge.hub_process import OwnedHome, create_home
from tests.hub.actors import TEST_BOX
from tests.lying_hub import ServedHub

PASSPHRASE = "a long passphrase for the other laptop 7"


def monitor(config: Path, *arguments: str) -> tuple[int, str, str]:
    """The command's exit code, its stdout, and stdout and stderr together."""
    result = CliRunner().invoke(
        app,
        ["keys", "monitor", *arguments],
        env={"DOORSTEP_CONFIG_DIR": str(config), "COLUMNS": "200"},
    )
    return result.exit_code, result.stdout, result.output


def wait_for_checkpoint(url: str, *, size: int) -> None:
    deadline = time.monotonic() + 30
    while httpx.get(f"{url}/v1/audit/checkpoint").json()["size"] < size:
        assert time.monotonic() < deadline, f"no checkpoint of size {size} within 30 s"
        time.sleep(0.1)


@pytest.fixture
def laptop(tmp_path: Path, served_hub: ServedHub, monkeypatch: pytest.MonkeyPatch) -> OwnedHome:
    """An owner whose key and home key list were made on this laptop's client."""
    config = tmp_path / "laptop"
    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(config))
    home = create_home(served_hub.url)
    save_credentials(Credentials(served_hub.url, home.token))
    save_user_key(home.user_key)
    return home


def test_the_clients_own_keys_are_quiet(
    tmp_path: Path, served_hub: ServedHub, laptop: OwnedHome
) -> None:
    code, stdout, output = monitor(tmp_path / "laptop", "--json")
    assert code == 0, output
    report = json.loads(stdout)
    mine = key_id(public_raw(laptop.user_key.public_key()))
    assert [(k["action"], k["key"], k["verdict"]) for k in report["keys"]] == [
        ("user_key.published", fingerprint(mine), "this client"),
        ("home_keys.signed", "list v1", "this client"),
    ]
    assert report["alarms"] == []

    code, _, output = monitor(tmp_path / "laptop")  # again: only new entries are read
    assert code == 0, output
    assert "this client" in output and "NOT MADE HERE" not in output


def test_a_key_added_to_the_account_from_another_client_is_an_alarm(
    tmp_path: Path, served_hub: ServedHub, laptop: OwnedHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert monitor(tmp_path / "laptop")[0] == 0
    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(tmp_path / "elsewhere"))
    with HubApi(served_hub.url, laptop.token) as api:
        other = publish_user_key(api, PASSPHRASE, parameters=TEST_BOX)
    added = fingerprint(key_id(public_raw(other.public_key())))

    code, _, output = monitor(tmp_path / "laptop")
    assert code == 2, output
    assert "NOT MADE HERE" in output
    alarm = output[output.index("ALARM: ") :]
    assert f"a key for your account that this client did not make: {added}" in alarm, output


def test_a_key_list_signed_by_a_stranger_is_an_alarm(
    tmp_path: Path, served_hub: ServedHub, laptop: OwnedHome
) -> None:
    assert monitor(tmp_path / "laptop")[0] == 0
    # The hub logs a version 2 of the home's list signed by a key of its own (to show
    # to someone else); it goes on serving this client the owner's version 1.
    stranger = key_id(public_raw(Ed25519PrivateKey.generate().public_key()))
    engine = make_engine(served_hub.database_url)
    with transaction(make_session_factory(engine)) as session:
        index = append_entry(
            session,
            action="home_keys.signed",
            actor=actor_of(session, None),
            objects={
                "label": key_label("home", uuid.UUID(laptop.home_id)),
                "version": 2,
                "list_sha256": "0" * 64,
                "signing_key_id": stranger,
            },
        )
    engine.dispose()
    wait_for_checkpoint(served_hub.url, size=index + 1)  # the hub's timer signs one

    code, stdout, output = monitor(tmp_path / "laptop", "--json")
    assert code == 2, output
    assert f"signed by {fingerprint(stranger)}, not an owner this client knows" in output
    verdicts = [(k["key"], k["verdict"]) for k in json.loads(stdout)["keys"]]
    assert ("list v2", "NOT MADE HERE") in verdicts and ("list v1", "this client") in verdicts


def test_a_hub_that_shows_you_another_account_as_yours_is_an_alarm(
    tmp_path: Path, served_hub: ServedHub, laptop: OwnedHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert monitor(tmp_path / "laptop")[0] == 0
    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(tmp_path / "neighbour"))
    neighbour = create_home(served_hub.url, {"email": "n@doorstep.example", "password": "n" * 16})
    with HubApi(served_hub.url, neighbour.token) as api:
        neighbour_id = api.call("GET", "/v1/me")["id"]
    served_hub.lying.rewrite("GET", "/v1/me", lambda me: {**me, "id": neighbour_id})

    code, _, output = monitor(tmp_path / "laptop")
    assert code == 2, output
    mine = fingerprint(key_id(public_raw(laptop.user_key.public_key())))
    assert f"your key {mine} is published for another account too" in output, output


def test_a_key_list_served_but_not_in_the_log_is_an_alarm(
    tmp_path: Path, served_hub: ServedHub, laptop: OwnedHome
) -> None:
    assert monitor(tmp_path / "laptop")[0] == 0
    # A version 2 the owner signed (say, on a machine the hub compromised), served to this
    # client but never logged, so no one else would see it.
    with HubApi(served_hub.url, laptop.token) as api:
        [record] = api.call("GET", f"/v1/homes/{laptop.home_id}/key-lists")["data"]
    first = parse_list(SignedKeyList.from_json(record))
    hidden = with_home_key(first, public_raw(X25519PrivateKey.generate().public_key()))
    served = {**sign_list(hidden, signing_key_of(laptop.user_key)).to_json(), "proof": None}
    served_hub.lying.rewrite(
        "GET", r"/v1/homes/[^/]+/key-lists", lambda page: {**page, "data": [record, served]}
    )

    code, _, output = monitor(tmp_path / "laptop")
    assert code == 2, output
    assert "home Home's key list version 2 is served but not in the log" in output, output
