"""Uploading a clip the way an edge device does: three sealed parts, then a commit."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from httpx import AsyncClient, Response

from doorstep.crypto.decrypt import open_part
from doorstep.crypto.envelope import clip_subject, wrap_key
from doorstep.crypto.keys import x25519_public
from doorstep.crypto.stream import PartContext, new_content_key, seal_part
from doorstep.errors import CryptoError
from tests.hub.actors import DeviceHeaders

PARTS = ("clip", "snapshot", "details")
TWIN = ("twin_clip", "twin_snapshot")


def clip_times() -> tuple[datetime, datetime]:
    ended = datetime.now(UTC).replace(microsecond=0)
    return ended - timedelta(seconds=14), ended


def seal_parts(
    device: DeviceHeaders,
    clip_id: uuid.UUID,
    camera_id: uuid.UUID,
    plaintexts: dict[str, bytes],
    content_key: bytes,
    times: tuple[datetime, datetime] | None = None,
) -> dict[str, bytes]:
    started, ended = times or clip_times()
    return {
        name: seal_part(
            data,
            content_key=content_key,
            context=PartContext(clip_id, camera_id, name, started, ended),
            device_key=device.signing_key,
        )
        for name, data in plaintexts.items()
    }


def commit_body(
    clip_id: uuid.UUID,
    camera_id: uuid.UUID,
    sealed: dict[str, bytes],
    keys: list[dict[str, str]] | None = None,
    times: tuple[datetime, datetime] | None = None,
) -> dict[str, Any]:
    started, ended = times or clip_times()
    return {
        "id": str(clip_id),
        "camera_id": str(camera_id),
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat(),
        "parts": {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sealed.items()
        },
        "keys": keys or [{"recipient_key_id": "0" * 32, "wrapped_key": ""}],
    }


async def home_key_wrap(
    client: AsyncClient, device: DeviceHeaders, clip_id: uuid.UUID, content_key: bytes
) -> list[dict[str, str]]:
    """The content key wrapped to the home key the hub gives the device."""
    response = await client.get("/v1/device", headers=device)
    assert response.status_code == 200, response.text
    home_key = response.json()["home_key"]
    wrapped = wrap_key(
        content_key,
        recipient=x25519_public(base64.b64decode(home_key["public_key"])),
        subject=clip_subject(clip_id),
    )
    return [{"recipient_key_id": home_key["id"], "wrapped_key": base64.b64encode(wrapped).decode()}]


async def upload_clip(
    client: AsyncClient,
    device: DeviceHeaders,
    camera_id: uuid.UUID,
    payloads: dict[str, bytes] | None = None,
    times: tuple[datetime, datetime] | None = None,
) -> uuid.UUID:
    """Seal ``payloads`` (plaintexts; random by default), upload and commit them.

    ``times`` (started, ended) defaults to a clip that ended just now.
    """
    payloads = payloads or {name: os.urandom(1000) for name in PARTS}
    clip_id = uuid.uuid4()
    content_key = new_content_key()
    times = times or clip_times()
    sealed = seal_parts(device, clip_id, camera_id, payloads, content_key, times)
    for name, data in sealed.items():
        response = await client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
        )
        assert response.status_code == 200, response.text
    keys = await home_key_wrap(client, device, clip_id, content_key)
    response = await client.post(
        "/v1/device/clips",
        json=commit_body(clip_id, camera_id, sealed, keys, times),
        headers=device,
    )
    assert response.status_code == 201, response.text
    return clip_id


@dataclass
class Twinned:
    clip_id: uuid.UUID
    plaintexts: dict[str, bytes]
    sealed: dict[str, bytes]
    committed: Response  # the hub's answer to the commit


async def upload_with_twin(
    client: AsyncClient,
    device: DeviceHeaders,
    camera_id: uuid.UUID,
    *,
    twin_key: bool = True,
    twin_parts: tuple[str, ...] = TWIN,
    times: tuple[datetime, datetime] | None = None,
) -> Twinned:
    """Upload a clip with a blurred twin sealed under a second key, as an edge with faces
    does, and commit it (with the twin's key unless ``twin_key`` is false)."""
    clip_id, clip_key, key_of_twin = uuid.uuid4(), new_content_key(), new_content_key()
    plaintexts = {name: os.urandom(500) for name in (*PARTS, *twin_parts)}
    own = {name: data for name, data in plaintexts.items() if name in PARTS}
    twin = {name: data for name, data in plaintexts.items() if name not in PARTS}
    sealed = seal_parts(device, clip_id, camera_id, own, clip_key, times)
    sealed |= seal_parts(device, clip_id, camera_id, twin, key_of_twin, times)
    for name, data in sealed.items():
        put = await client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
        )
        assert put.status_code == 200, put.text
    keys = await home_key_wrap(client, device, clip_id, clip_key)
    if twin_key:
        [wrapped] = await home_key_wrap(client, device, clip_id, key_of_twin)
        keys.append(wrapped | {"scope": "twin"})
    body = commit_body(clip_id, camera_id, sealed, keys, times)
    committed = await client.post("/v1/device/clips", json=body, headers=device)
    return Twinned(clip_id, plaintexts, sealed, committed)


def opened_by_their_own_keys(
    sealed: dict[str, bytes],
    keys: dict[str, bytes],
    clip_id: uuid.UUID,
    device_public: Ed25519PublicKey,
) -> dict[str, bytes]:
    """Each part opened with its key (``keys["twin"]`` for the twin's, ``keys["clip"]`` for
    the others), after checking that the other key fails on it; the plaintexts."""
    opened = {}
    for name, data in sealed.items():
        right, wrong = ("twin", "clip") if name in TWIN else ("clip", "twin")
        with pytest.raises(CryptoError):
            open_part(
                data,
                content_key=keys[wrong],
                clip_id=clip_id,
                part=name,
                device_public=device_public,
            )
        opened[name] = open_part(
            data, content_key=keys[right], clip_id=clip_id, part=name, device_public=device_public
        ).plaintext
    return opened
