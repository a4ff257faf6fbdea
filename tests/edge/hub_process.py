"""A real hub in a child process (SQLite), with a home, a camera and a paired device."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.keylist import ListedDevice
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.pairing import device_tag, split_code
from doorstep.edge.keyring import HomeKey
from doorstep.edge.outbox import Outbox
from doorstep.edge.seal import seal_event
from doorstep.owner.api import HubApi
from doorstep.owner.keys import publish_user_key, rotate_home_key
from doorstep.owner.pairing import PairingCode, accept_device, issue_pairing_code, paired_device
from tests.cli.processes import wait_healthy
from tests.hub.actors import TEST_BOX

OWNER = {"email": "owner@doorstep.example", "password": "owner password 123"}


@dataclass
class HubProcess:
    data_dir: Path
    port: int
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DOORSTEP_DATA_DIR": str(self.data_dir),
            "DOORSTEP_SECRET_KEY": "edge-tests-secret-key-long-enough-0123",
            "DOORSTEP_AUDIT_CHECKPOINT_INTERVAL_S": "0.3",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "doorstep", "hub", "serve", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        wait_healthy(self.url, self.process, limit=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None


@dataclass(frozen=True)
class PairedCamera:
    camera_id: uuid.UUID
    device_token: str
    owner_cookies: httpx.Cookies
    device_key: Ed25519PrivateKey
    home_key: HomeKey
    owner: OwnedHome


@dataclass(frozen=True)
class OwnedHome:
    """A home with one camera; its owner's token and the private keys their client holds."""

    home_id: str
    camera_id: uuid.UUID
    cookies: httpx.Cookies
    csrf: str
    token: str
    user_key: X25519PrivateKey
    home_key: X25519PrivateKey

    def api(self, hub_url: str) -> HubApi:
        return HubApi(hub_url, self.token)

    def pairing_code(self, hub_url: str) -> PairingCode:
        """A code made by the owner's client: ``.code`` is what a person types on the edge."""
        with self.api(hub_url) as api:
            return issue_pairing_code(api, uuid.UUID(self.home_id), self.user_key)

    def accept(self, hub_url: str, code: PairingCode) -> ListedDevice:
        """Sign the device that paired with ``code`` into the home's key list, as the
        owner's client does once the device's pairing tag checks."""
        with self.api(hub_url) as api:
            device = paired_device(api, code)
            assert device is not None, "no device paired with this code"
            return accept_device(api, self.user_key, code, device)


def create_home(hub_url: str, owner: dict[str, str] | None = None) -> OwnedHome:
    """Register an owner with a key, and create a home with one camera and a home key."""
    owner = owner or OWNER
    with httpx.Client(base_url=hub_url) as http:
        http.post("/v1/accounts", json={**owner, "display_name": "Owner"}).raise_for_status()
        csrf = http.post("/v1/auth/login", json=owner).json()["csrf_token"]
        headers = {"X-CSRF-Token": csrf}
        token = http.post("/v1/auth/tokens", json={"name": "tests"}, headers=headers).json()
        home = http.post("/v1/homes", json={"name": "Home"}, headers=headers).json()
        camera = http.post(
            f"/v1/homes/{home['id']}/cameras",
            json={"name": "Door", "latitude": 45.5, "longitude": -122.6},
            headers=headers,
        ).json()
        cookies = http.cookies
    with HubApi(hub_url, token["token"]) as api:
        user_key = publish_user_key(api, owner["password"], parameters=TEST_BOX)
        home_key = rotate_home_key(api, uuid.UUID(home["id"]), user_key)
    return OwnedHome(
        home["id"], uuid.UUID(camera["id"]), cookies, csrf, token["token"], user_key, home_key
    )


def pair_camera(hub_url: str) -> PairedCamera:
    """A home with one camera, and an edge device paired with it and in its key list."""
    home = create_home(hub_url)
    device_key = Ed25519PrivateKey.generate()
    code = home.pairing_code(hub_url)
    hub_part, secret = split_code(code.code)
    device_public = public_raw(device_key.public_key())
    paired = httpx.post(
        f"{hub_url}/v1/devices/pair",
        json={
            "code": hub_part,
            "name": "edge",
            "public_key": base64.b64encode(device_public).decode(),
            "device_tag": base64.b64encode(
                device_tag(secret, uuid.UUID(home.home_id), device_public)
            ).decode(),
        },
    ).json()
    home.accept(hub_url, code)
    public = public_raw(home.home_key.public_key())
    return PairedCamera(
        home.camera_id,
        paired["token"],
        home.cookies,
        device_key,
        HomeKey(key_id(public), public),
        home,
    )


def hub_clips(hub_url: str, camera_id: uuid.UUID, cookies: httpx.Cookies) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{hub_url}/v1/cameras/{camera_id}/clips",
        cookies=cookies,
        params={"limit": 500},
    )
    response.raise_for_status()
    clips: list[dict[str, Any]] = response.json()["data"]
    return clips


def pair_with_cli(
    hub_url: str, home: OwnedHome, data: Path, *, write_config: Path | None = None
) -> None:
    """Pair an edge the way a person would: the owner's client makes the code, the edge
    runs `doorstep edge pair CODE --hub URL`, and the owner's client signs it in."""
    from typer.testing import CliRunner

    from doorstep.cli import app

    code = home.pairing_code(hub_url)
    arguments = ["edge", "pair", code.code, "--hub", hub_url, "--data", str(data)]
    if write_config is not None:
        arguments += ["--write-config", str(write_config)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    home.accept(hub_url, code)


def record_events(outbox: Outbox, camera: PairedCamera, count: int, size: int) -> list[uuid.UUID]:
    """Events sealed the way the edge daemon seals them."""
    now = datetime.now(UTC).replace(microsecond=0)
    ids = []
    for n in range(count):
        clip_id = uuid.uuid4()
        started, ended = now - timedelta(seconds=20 - n), now - timedelta(seconds=10 - n)
        sealed = seal_event(
            {"clip": os.urandom(size), "snapshot": os.urandom(500), "details": b"{}"},
            clip_id=clip_id,
            camera_id=camera.camera_id,
            started_at=started,
            ended_at=ended,
            device_key=camera.device_key,
            home_key=camera.home_key,
        )
        outbox.add(
            item_id=clip_id,
            camera_id=camera.camera_id,
            started_at=started,
            ended_at=ended,
            parts=sealed.parts,
            keys=sealed.keys,
        )
        ids.append(clip_id)
    return ids
