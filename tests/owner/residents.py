"""Residents for the owner client's tests, made through a hub's API as the clients do:
accounts with keys, a home with a camera and a signed key list, a device paired with a
code and signed in, and clips it recorded."""

from __future__ import annotations

import base64
import os
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from doorstep.crypto.keylist import KeyList
from doorstep.crypto.keys import key_id, public_raw
from doorstep.crypto.pairing import device_tag, split_code
from doorstep.edge.keyring import HomeKey
from doorstep.edge.outbox import Outbox
from doorstep.edge.seal import SealedEvent, seal_event
from doorstep.edge.upload import HubClient, Uploader
from doorstep.owner.api import HubApi
from doorstep.owner.keys import publish_user_key, rotate_home_key, signed_list
from doorstep.owner.pairing import accept_device, issue_pairing_code, paired_device
from doorstep.owner.trust import KeyChecker
from tests.hub.actors import TEST_BOX

PASSPHRASE = "a long passphrase for tests"
# As the owner's client (HubApi) waits: a loaded test machine answered a pairing call in
# over httpx's default 5 s once.
HTTP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Resident:
    url: str
    email: str
    password: str
    token: str
    user_id: uuid.UUID
    user_key: X25519PrivateKey

    def api(self) -> HubApi:
        return HubApi(self.url, self.token)


def sign_up(url: str, email: str, display_name: str) -> Resident:
    """An account with an API token; its key is made by ``with_key``."""
    password = f"sign-in password of {display_name}"
    account = {"email": email, "password": password}
    with httpx.Client(base_url=url) as http:
        http.post("/v1/accounts", json={**account, "display_name": display_name}).raise_for_status()
        csrf = http.post("/v1/auth/login", json=account).json()["csrf_token"]
        issued = http.post(
            "/v1/auth/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf}
        )
        token = issued.json()["token"]
        user_id = uuid.UUID(
            http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["id"]
        )
    return Resident(url, email, password, token, user_id, X25519PrivateKey.generate())


def with_key(resident: Resident) -> Resident:
    """The resident with a key published by their client."""
    with resident.api() as api:
        return replace(resident, user_key=publish_user_key(api, PASSPHRASE, parameters=TEST_BOX))


@dataclass(frozen=True)
class Home:
    owner: Resident
    home_id: uuid.UUID
    camera_id: uuid.UUID


def make_home(url: str, email: str = "owner@doorstep.example") -> Home:
    """An owner with a key, a home with a camera, and its first key list."""
    owner = with_key(sign_up(url, email, "Owner"))
    with owner.api() as api:
        home = api.call("POST", "/v1/homes", json={"name": "Home"})
        camera = api.call(
            "POST",
            f"/v1/homes/{home['id']}/cameras",
            json={"name": "Door", "latitude": 45.5, "longitude": -122.6},
        )
        rotate_home_key(api, uuid.UUID(home["id"]), owner.user_key)
    return Home(owner, uuid.UUID(home["id"]), uuid.UUID(camera["id"]))


def add_member(home: Home, email: str = "member@doorstep.example") -> Resident:
    """A household member with a key, added by the owner (not yet granted anything)."""
    member = with_key(sign_up(home.owner.url, email, "Member"))
    with home.owner.api() as api:
        api.call("POST", f"/v1/homes/{home.home_id}/members", json={"email": email})
    return member


@dataclass(frozen=True)
class Device:
    device_id: uuid.UUID
    key: Ed25519PrivateKey
    token: str


def device_pairs(
    url: str, code: str, device_public: bytes, *, tag_secret: str | None = None
) -> Any:
    """What an edge sends to pair with the 22-character ``code``: its hub part, its key,
    and its tag made with the code's secret (or ``tag_secret``). The hub's answer."""
    hub_part, secret = split_code(code)
    home_id = uuid.UUID(
        httpx.post(
            f"{url}/v1/devices/pairing-owner", json={"code": hub_part}, timeout=HTTP_TIMEOUT_S
        ).json()["home_id"]
    )
    tag = device_tag(tag_secret or secret, home_id, device_public)
    paired = httpx.post(
        f"{url}/v1/devices/pair",
        json={
            "code": hub_part,
            "name": "edge",
            "public_key": base64.b64encode(device_public).decode(),
            "device_tag": base64.b64encode(tag).decode(),
        },
        timeout=HTTP_TIMEOUT_S,
    )
    paired.raise_for_status()
    return paired.json()


def pair_device(home: Home) -> Device:
    """A device paired with a code from the owner's client, and signed into the home's list."""
    device_key = Ed25519PrivateKey.generate()
    with home.owner.api() as api:
        code = issue_pairing_code(api, home.home_id, home.owner.user_key)
        paired = device_pairs(home.owner.url, code.code, public_raw(device_key.public_key()))
        record = paired_device(api, code)
        assert record is not None
        accept_device(api, home.owner.user_key, code, record)
    return Device(uuid.UUID(paired["device"]["id"]), device_key, paired["token"])


def newest_list(owner: Resident, home_id: uuid.UUID) -> KeyList:
    """The home's newest key list, verified by the owner's client."""
    with owner.api() as api:
        checker = KeyChecker(api)
        return signed_list(checker, home_id, checker.me(owner.user_key))


def current_home_key(home: Home) -> HomeKey:
    """The current home key of the list the owner signed."""
    public = newest_list(home.owner, home.home_id).current_home_key().public_key
    return HomeKey(key_id(public), public)


@dataclass(frozen=True)
class Clip:
    clip_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    sealed: SealedEvent


def seal_clip(
    home: Home,
    device_key: Ed25519PrivateKey,
    home_key: HomeKey,
    *,
    size: int = 5000,
    clip_id: uuid.UUID | None = None,
    contents: dict[str, bytes] | None = None,
    ended_at: datetime | None = None,
    seconds: int = 10,
) -> Clip:
    """One event sealed as an edge seals it, ``seconds`` long and ended at ``ended_at`` (5 s
    ago); ``contents`` by default a ``size``-byte clip, a snapshot and ``details`` ``{}``."""
    clip_id = clip_id or uuid.uuid4()
    ended = ended_at or datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    started = ended - timedelta(seconds=seconds)
    sealed = seal_event(
        contents or {"clip": os.urandom(size), "snapshot": b"\x01" * 500, "details": b"{}"},
        clip_id=clip_id,
        camera_id=home.camera_id,
        started_at=started,
        ended_at=ended,
        device_key=device_key,
        home_key=home_key,
    )
    return Clip(clip_id, started, ended, sealed)


def record_clip(tmp_path: Path, home: Home, device: Device, *, size: int = 5000) -> uuid.UUID:
    """One clip sealed by the device to the current home key and uploaded; its id."""
    return upload_clip(
        tmp_path, home, device, seal_clip(home, device.key, current_home_key(home), size=size)
    )


def upload_clip(tmp_path: Path, home: Home, device: Device, clip: Clip) -> uuid.UUID:
    """``clip`` uploaded by the device as an edge does, through an outbox; its id."""
    outbox = Outbox(tmp_path / f"outbox-{uuid.uuid4().hex[:6]}", quota_bytes=10**9)
    outbox.add(
        item_id=clip.clip_id,
        camera_id=home.camera_id,
        started_at=clip.started_at,
        ended_at=clip.ended_at,
        parts=clip.sealed.parts,
        keys=clip.sealed.keys,
    )
    client = HubClient(home.owner.url, device.token)
    Uploader(outbox, client).run(threading.Event(), exit_on_empty=True)
    assert outbox.get(clip.clip_id).state == "uploaded"
    client.close()
    outbox.close()
    return clip.clip_id
