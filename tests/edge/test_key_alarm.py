"""A hub that lies about the home's key lists: the edge refuses, alarms, and loses no clip.

Each test runs a real hub on both backends behind ``tests/lying_hub.py`` (the
``served_hub`` fixture), an owner made with the owner's client, and an edge paired with
`doorstep edge pair` and signed into the home's key list by the owner. The edge must seal
only to the newest list the owner signed and the log proves.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner

from doorstep.audit.keyproof import CheckpointMemory
from doorstep.cli import app
from doorstep.crypto.keylist import (
    ListedHomeKey,
    SignedKeyList,
    next_list,
    parse_list,
    sign_list,
    with_home_key,
)
from doorstep.crypto.keys import key_id, public_raw
from doorstep.edge import daemon as daemon_module
from doorstep.edge.config import load_edge_config
from doorstep.edge.daemon import EdgeDaemon
from doorstep.edge.identity import load_device_key
from doorstep.edge.keyring import HomeKeyring
from doorstep.edge.outbox import Outbox
from doorstep.edge.synthetic import Walker, scene, write_h264
from doorstep.edge.trust import TRUST_FILE
from doorstep.edge.upload import HubClient
from doorstep.owner.keys import open_clip_part, rotate_home_key
from doorstep.owner.pairing import accept_device, issue_pairing_code, paired_device
from tests.edge.test_daemon import wait_until
from tests.edge.test_mqtt import LEFT_BEHIND, Listener
from tests.lying_hub import LyingHub, ServedHub
from tests.owner.residents import Home, current_home_key, make_home

KEY_LISTS = r"/v1/device/key-lists"


@pytest.fixture(autouse=True)
def prompt_health_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge reports its health every half second, not every 10 s: the alarm reaches the
    hub's camera health at the next report, and the tests wait for it."""
    monkeypatch.setattr(daemon_module, "HEALTH_INTERVAL_S", 0.5)


@pytest.fixture(scope="module")
def door_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One person walking past between 1 s and 4 s: one event."""
    path = tmp_path_factory.mktemp("video") / "door.mp4"
    frames = scene(width=320, height=180, fps=10, duration_s=7, walkers=[Walker(1.0, 4.0)])
    write_h264(path, frames, fps=10)
    return path


def pair_edge(home: Home, data: Path) -> None:
    """`doorstep edge pair` with the owner's code; the owner's client signs the device in."""
    with home.owner.api() as api:
        code = issue_pairing_code(api, home.home_id, home.owner.user_key)
        arguments = ["edge", "pair", code.code, "--hub", home.owner.url, "--data", str(data)]
        result = CliRunner().invoke(app, arguments)
        assert result.exit_code == 0, result.output
        device = paired_device(api, code)
        assert device is not None
        accept_device(api, home.owner.user_key, code, device)


def rotate(home: Home) -> str:
    """The owner rotates the home key; the new key's id."""
    with home.owner.api() as api:
        return key_id(rotate_home_key(api, home.home_id, home.owner.user_key).public_key())


def owner_lists(home: Home) -> list[dict[str, Any]]:
    """The home's signed lists with their proofs, as the hub serves them to a member."""
    with home.owner.api() as api:
        lists: list[dict[str, Any]] = api.call(
            "GET", f"/v1/homes/{home.home_id}/key-lists", params={"after": 0}
        )["data"]
    return lists


def camera(home: Home) -> dict[str, Any]:
    with home.owner.api() as api:
        found: dict[str, Any] = api.call("GET", f"/v1/cameras/{home.camera_id}")
    return found


def clips(home: Home) -> list[dict[str, Any]]:
    with home.owner.api() as api:
        found: list[dict[str, Any]] = api.call("GET", f"/v1/cameras/{home.camera_id}/clips")["data"]
    return found


def page(records: list[dict[str, Any]]) -> Callable[[Any], Any]:
    return lambda body: {**body, "data": records, "count": len(records)}


def forged_rotation(home: Home) -> tuple[dict[str, Any], bytes]:
    """The next list with a home key of the hub's own, signed by a key of the hub's own."""
    newest = owner_lists(home)[-1]
    pinned = parse_list(SignedKeyList.from_json(newest))
    hub_home_key = public_raw(X25519PrivateKey.generate().public_key())
    forged = sign_list(with_home_key(pinned, hub_home_key), Ed25519PrivateKey.generate())
    # With the proof of the real newest list: the signature is what fails first.
    return {**forged.to_json(), "proof": newest["proof"]}, hub_home_key


def serve_device_home_key(lying: LyingHub, public_key: bytes) -> None:
    """What the edge trusted before: the hub's word for the home key at /v1/device."""
    lying.rewrite(
        "GET",
        r"/v1/device",
        lambda body: {
            **body,
            "home_key": {
                "id": key_id(public_key),
                "public_key": base64.b64encode(public_key).decode(),
            },
        },
    )


def write_config(tmp_path: Path, url: str, home: Home, video: Path, run: str) -> Path:
    config = tmp_path / "edge.toml"
    config.write_text(
        f"""
data_dir = "edge-data"
[hub]
url = "{url}"
token_file = "edge-data/edge-token"
[mqtt]
enabled = true
topic_prefix = "doorstep-test-{run}"
discovery_prefix = "ha-test-{run}"
[live]
enabled = false
[[cameras]]
id = "{home.camera_id}"
name = "Door"
source = {{ type = "file", path = "{video}", realtime = false }}
"""
    )
    return config


@pytest.mark.parametrize("lie", ["swapped home key", "rolled back to a retired key"])
def test_a_lying_hub_gets_no_clip_sealed_to_its_key_and_the_owner_hears_of_it(
    tmp_path: Path,
    served_hub: ServedHub,
    door_video: Path,
    caplog: pytest.LogCaptureFixture,
    lie: str,
) -> None:
    lying, url = served_hub.lying, served_hub.url
    home = make_home(url)
    pair_edge(home, tmp_path / "edge-data")  # lists 1 (home key) and 2 (the device)
    retired = current_home_key(home)
    if lie == "rolled back to a retired key":
        rotate(home)  # list 3: a member left, say
    owner_key = current_home_key(home)
    run = uuid.uuid4().hex[:8]
    daemon = EdgeDaemon(
        load_edge_config(write_config(tmp_path, url, home, door_video, run)), base_dir=tmp_path
    )
    daemon.home_keys.refresh(daemon.hub)  # the edge pins the newest list, honestly served
    assert daemon.home_keys.current() == owner_key

    if lie == "swapped home key":
        record, served_key = forged_rotation(home)
        expected = "version 3, refused: key list version 3 is signed by a key that is not an owner"
    else:
        record, served_key = owner_lists(home)[0], retired.public_key
        expected = "version 1, refused: key list version 1 is not newer than version 3"
    lying.rewrite("GET", KEY_LISTS, page([record]))
    serve_device_home_key(lying, served_key)

    listener = Listener(f"doorstep-test-{run}", f"ha-test-{run}")
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    try:
        with caplog.at_level(logging.ERROR, "doorstep.edge.keyring"):
            thread.start()
            wait_until(lambda: len(clips(home)) == 1)
            alarm = json.loads(listener.wait_for(f"doorstep-test-{run}/alarm"))
            discovery = json.loads(
                listener.wait_for(
                    f"ha-test-{run}/binary_sensor/doorstep_{home.camera_id}_key_alarm/config"
                )
            )
            wait_until(lambda: (camera(home)["health"] or {}).get("key_alarm") is not None)
    finally:
        stop.set()
        thread.join(timeout=60)
        LEFT_BEHIND.update(listener.messages)
        listener.close()

    # The alarm: a log line, the camera's health at the hub, a retained MQTT message.
    text = daemon.home_keys.alarm
    assert text is not None and expected in text, text
    assert "clips stay sealed to home key" in text
    assert f"KEY ALARM: {text}" in [r.getMessage() for r in caplog.records]
    assert alarm["alarm"] == text and alarm["at"]
    assert discovery["device_class"] == "problem"
    assert discovery["state_topic"] == f"doorstep-test-{run}/alarm"
    assert camera(home)["health"]["key_alarm"] == text[:300]
    # Nothing sealed to the key the hub served: the clip recorded meanwhile is sealed to
    # the pinned key, uploaded, and opens with the owner's keys.
    assert ("GET", "/v1/device/key-lists") in lying.rewritten
    (clip,) = clips(home)
    clip_id = uuid.UUID(clip["id"])
    with home.owner.api() as api:
        wrapped = api.call("GET", f"/v1/clips/{clip_id}/keys")["keys"]
        opened = open_clip_part(api, clip_id, "details", home.owner.user_key)
    assert [k["recipient_key_id"] for k in wrapped] == [owner_key.id]
    assert owner_key.id != key_id(served_key)
    assert json.loads(opened.plaintext)["label"] == "person"
    pinned = json.loads((tmp_path / "edge-data" / TRUST_FILE).read_text())["key_list"]
    assert pinned["version"] == (2 if lie == "swapped home key" else 3)


def test_an_edge_that_never_verified_a_list_records_nothing_while_the_hub_lies(
    tmp_path: Path, served_hub: ServedHub, door_video: Path
) -> None:
    lying, url = served_hub.lying, served_hub.url
    home = make_home(url)
    pair_edge(home, tmp_path / "edge-data")
    # The hub's own first list: the device and the owner's user key as they are, but the
    # owner's signing key and the home key the hub's own.
    real = parse_list(SignedKeyList.from_json(owner_lists(home)[-1]))
    hub_signer = Ed25519PrivateKey.generate()
    hub_home_key = public_raw(X25519PrivateKey.generate().public_key())
    owner = replace(real.owners()[0], signing_key=public_raw(hub_signer.public_key()))
    forged = next_list(
        None,
        home_id=home.home_id,
        members=[owner],
        home_keys=[ListedHomeKey(key_id(hub_home_key), hub_home_key, 1, False)],
        devices=real.devices,
    )
    proof = owner_lists(home)[0]["proof"]
    lying.rewrite(
        "GET", KEY_LISTS, page([{**sign_list(forged, hub_signer).to_json(), "proof": proof}])
    )
    serve_device_home_key(lying, hub_home_key)
    config = write_config(tmp_path, url, home, door_video, uuid.uuid4().hex[:8])
    daemon = EdgeDaemon(load_edge_config(config), base_dir=tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: (camera(home)["health"] or {}).get("key_alarm") is not None)
    finally:
        stop.set()
        thread.join(timeout=60)
    alarm = camera(home)["health"]["key_alarm"]
    assert "signed by an owner key this client does not trust" in alarm
    assert "no clip is recorded until one verifies" in alarm
    # The cameras never started: nothing recorded, sealed or sent.
    assert daemon.home_keys.current() is None
    assert [w.events for w in daemon.workers.values()] == [0]
    outbox = Outbox(tmp_path / "edge-data" / "outbox", quota_bytes=1 << 20)
    assert outbox.pending(limit=10) == [] and clips(home) == []
    outbox.close()
    assert json.loads((tmp_path / "edge-data" / TRUST_FILE).read_text())["key_list"] is None


def test_lists_without_or_with_wrong_proofs_or_an_older_checkpoint_are_refused(
    tmp_path: Path, served_hub: ServedHub
) -> None:
    lying, url = served_hub.lying, served_hub.url
    home = make_home(url)
    data = tmp_path / "edge-data"
    pair_edge(home, data)
    alarms: list[str | None] = []
    keyring = HomeKeyring(
        data / TRUST_FILE,
        CheckpointMemory(data / "checkpoint.json"),
        device_public=public_raw(load_device_key(data / "device.key").public_key()),
        on_alarm=alarms.append,
    )
    hub = HubClient(url, (data / "edge-token").read_text().strip())
    try:
        keyring.refresh(hub)
        first = current_id(keyring)
        assert first == current_home_key(home).id
        third, fourth = rotate(home), rotate(home)  # lists 3 and 4
        proof_of_fourth_then = owner_lists(home)[-1]["proof"]

        def refused(lie: Callable[[Any], Any], says: str) -> None:
            lying.rewrite("GET", KEY_LISTS, lie)
            keyring.refresh(hub)
            keyring.refresh(hub)
            lying.reset()
            assert keyring.alarm is not None and says in keyring.alarm, keyring.alarm

        # (c) the proof left out, or the proof of another list: nothing adopted.
        refused(strip_proofs, "version 3, refused: the key has no inclusion proof")
        assert current_id(keyring) == first
        assert alarms == [keyring.alarm]  # raised once while it lasts, not at every refresh
        refused(swap_proofs, "version 3, refused: the key's log entry says version is 4")
        assert current_id(keyring) == first
        # (d) a checkpoint older than one the edge saw: the hub proves list 3 in the log as
        # it is now, then list 4 in the log as it was before a sign-in.
        with httpx.Client(base_url=url) as http:
            account = {"email": home.owner.email, "password": home.owner.password}
            http.post("/v1/auth/login", json=account).raise_for_status()
        wait_until(lambda: owner_lists(home)[-1]["proof"] != proof_of_fourth_then)
        refused(
            lambda body: with_proof(body, 4, proof_of_fourth_then),
            "version 4, refused: rollback: the log is at size",
        )
        assert current_id(keyring) == third
        # (e) the truth again: the owner's rotation is adopted and the alarm ends.
        keyring.refresh(hub)
        assert current_id(keyring) == fourth
        assert keyring.alarm is None and alarms[-1] is None
    finally:
        hub.close()


def current_id(keyring: HomeKeyring) -> str | None:
    current = keyring.current()
    return None if current is None else current.id


def strip_proofs(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "data": [{k: v for k, v in r.items() if k != "proof"} for r in body["data"]]}


def swap_proofs(body: dict[str, Any]) -> dict[str, Any]:
    records = body["data"]
    proofs = [r["proof"] for r in records]
    return {**body, "data": [{**r, "proof": p} for r, p in zip(records, proofs[::-1], strict=True)]}


def with_proof(body: dict[str, Any], version: int, proof: dict[str, Any]) -> dict[str, Any]:
    records = [{**r, "proof": proof} if r["version"] == version else r for r in body["data"]]
    return {**body, "data": records}
