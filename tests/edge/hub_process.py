"""A real hub in a child process (SQLite), with a home, a camera and a paired device."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.cli.processes import wait_healthy

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


@dataclass(frozen=True)
class OwnedHome:
    home_id: str
    camera_id: uuid.UUID
    cookies: httpx.Cookies
    csrf: str

    def pairing_code(self, hub_url: str) -> str:
        response = httpx.post(
            f"{hub_url}/v1/homes/{self.home_id}/pairing-codes",
            cookies=self.cookies,
            headers={"X-CSRF-Token": self.csrf},
        )
        response.raise_for_status()
        code: str = response.json()["code"]
        return code


def create_home(hub_url: str) -> OwnedHome:
    """Register an owner and create a home with one camera."""
    with httpx.Client(base_url=hub_url) as http:
        http.post("/v1/accounts", json={**OWNER, "display_name": "Owner"}).raise_for_status()
        csrf = http.post("/v1/auth/login", json=OWNER).json()["csrf_token"]
        headers = {"X-CSRF-Token": csrf}
        home = http.post("/v1/homes", json={"name": "Home"}, headers=headers).json()
        camera = http.post(
            f"/v1/homes/{home['id']}/cameras",
            json={"name": "Door", "latitude": 45.5, "longitude": -122.6},
            headers=headers,
        ).json()
        return OwnedHome(home["id"], uuid.UUID(camera["id"]), http.cookies, csrf)


def pair_camera(hub_url: str) -> PairedCamera:
    """A home with one camera, and an edge device paired with it."""
    home = create_home(hub_url)
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    paired = httpx.post(
        f"{hub_url}/v1/devices/pair",
        json={
            "code": home.pairing_code(hub_url),
            "name": "edge",
            "public_key": base64.b64encode(key).decode(),
        },
    ).json()
    return PairedCamera(home.camera_id, paired["token"], home.cookies)


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
    """Pair an edge the way a person would: `doorstep edge pair CODE --hub URL`."""
    from typer.testing import CliRunner

    from doorstep.cli import app

    arguments = ["edge", "pair", home.pairing_code(hub_url), "--hub", hub_url, "--data", str(data)]
    if write_config is not None:
        arguments += ["--write-config", str(write_config)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
