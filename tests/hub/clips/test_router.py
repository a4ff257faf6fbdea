"""Edge devices upload sealed clip parts and commit; households list and fetch them."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from doorstep.crypto.stream import new_content_key
from doorstep.hub.app import create_app
from doorstep.hub.clips.models import MAX_CLIP_SECONDS, ClipPart
from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.hub.actors import Actors, DeviceHeaders
from tests.hub.clips.uploads import PARTS, commit_body, home_key_wrap, seal_parts, upload_clip


def sealed(
    device: DeviceHeaders, camera_id: uuid.UUID, size: int = 100
) -> tuple[uuid.UUID, bytes, dict[str, bytes]]:
    """A new clip id, its content key and its three parts sealed by ``device``."""
    clip_id, content_key = uuid.uuid4(), new_content_key()
    plaintexts = {name: os.urandom(size) for name in PARTS}
    return clip_id, content_key, seal_parts(device, clip_id, camera_id, plaintexts, content_key)


async def test_upload_commit_list_download(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    device = actors.device(owner, home_id)
    # Bigger than the JSON body limit: parts are streamed, not buffered.
    clip_id, content_key, parts = sealed(device, camera_id)
    parts["clip"] = seal_parts(
        device, clip_id, camera_id, {"clip": os.urandom(3_000_000)}, content_key
    )["clip"]
    for name, data in parts.items():
        put = await client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
        )
        assert put.status_code == 200, put.text
    keys = await home_key_wrap(client, device, clip_id, content_key)
    body = commit_body(clip_id, camera_id, parts, keys)
    assert (await client.post("/v1/device/clips", json=body, headers=device)).status_code == 201
    listed = await client.get(f"/v1/cameras/{camera_id}/clips", headers=member.headers)
    assert listed.json()["count"] == 1
    clip = listed.json()["data"][0]
    assert clip["id"] == str(clip_id)
    assert {p["part"]: p["size"] for p in clip["parts"]} == {
        name: len(data) for name, data in parts.items()
    }
    for name, data in parts.items():
        part = await client.get(f"/v1/clips/{clip_id}/parts/{name}", headers=member.headers)
        assert part.status_code == 200
        assert part.content == data
        assert part.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'


async def test_commit_is_idempotent_and_parts_final(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    clip_id, content_key, payloads = sealed(device, camera_id)
    for name, data in payloads.items():
        await client.put(f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device)
    keys = await home_key_wrap(client, device, clip_id, content_key)
    body = commit_body(clip_id, camera_id, payloads, keys)
    first = await client.post("/v1/device/clips", json=body, headers=device)
    again = await client.post("/v1/device/clips", json=body, headers=device)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    changed = await client.post(
        "/v1/device/clips", json={**body, "ended_at": body["started_at"]}, headers=device
    )
    assert changed.status_code == 409
    late = await client.put(
        f"/v1/device/clips/{clip_id}/parts/clip", content=payloads["snapshot"], headers=device
    )
    assert late.status_code == 409
    assert actors.row_counts()["clips"] == 1


async def test_commit_refuses_times_matching_could_not_use(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    ended = datetime.now(UTC).replace(microsecond=0)
    longest = (ended - timedelta(seconds=MAX_CLIP_SECONDS), ended)
    refused = {
        "too long": (ended - timedelta(seconds=MAX_CLIP_SECONDS + 1), ended),
        "backwards": (ended, ended - timedelta(seconds=1)),
        "future": (ended + timedelta(minutes=10), ended + timedelta(minutes=11)),
    }
    for case, times in {**refused, "longest": longest}.items():
        clip_id, content_key = uuid.uuid4(), new_content_key()
        plaintexts = {name: os.urandom(50) for name in PARTS}
        payloads = seal_parts(device, clip_id, camera_id, plaintexts, content_key, times)
        for name, data in payloads.items():
            await client.put(
                f"/v1/device/clips/{clip_id}/parts/{name}", content=data, headers=device
            )
        keys = await home_key_wrap(client, device, clip_id, content_key)
        body = commit_body(clip_id, camera_id, payloads, keys, times)
        response = await client.post("/v1/device/clips", json=body, headers=device)
        if case == "longest":
            assert response.status_code == 201, response.text
            continue
        assert response.status_code == 422, case
        assert response.json()["detail"].startswith("ended_at"), case
        if case == "too long":
            assert f"at most {MAX_CLIP_SECONDS} s" in response.json()["detail"]
            assert f"lasts {MAX_CLIP_SECONDS + 1} s" in response.json()["detail"]
    assert actors.row_counts()["clips"] == 1


async def test_parts_can_be_replaced_until_commit(
    client: AsyncClient, actors: Actors, settings: Settings
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    clip_id, _, first = sealed(device, camera_id)
    content_key = new_content_key()
    payloads = seal_parts(
        device, clip_id, camera_id, {name: os.urandom(100) for name in PARTS}, content_key
    )
    for name, data in payloads.items():
        for upload in (first[name], data):
            put = await client.put(
                f"/v1/device/clips/{clip_id}/parts/{name}", content=upload, headers=device
            )
            assert put.status_code == 200, put.text
    keys = await home_key_wrap(client, device, clip_id, content_key)
    body = commit_body(clip_id, camera_id, payloads, keys)
    assert (await client.post("/v1/device/clips", json=body, headers=device)).status_code == 201
    assert actors.row_counts()["clip_parts"] == 3
    # The replaced uploads are gone from storage: three blobs, the last of each part.
    assert len([p for p in (settings.data_dir / "blobs").rglob("*") if p.is_file()]) == 3


async def test_commit_checks_parts_and_camera(client: AsyncClient, actors: Actors) -> None:
    owner, neighbour = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    _, (other_camera,) = actors.home(neighbour)
    device = actors.device(owner, home_id)
    clip_id, content_key, payloads = sealed(device, camera_id, size=50)
    keys = await home_key_wrap(client, device, clip_id, content_key)
    for name in ("clip", "snapshot"):
        await client.put(
            f"/v1/device/clips/{clip_id}/parts/{name}", content=payloads[name], headers=device
        )
    missing = await client.post(
        "/v1/device/clips", json=commit_body(clip_id, camera_id, payloads, keys), headers=device
    )
    assert missing.status_code == 422
    assert missing.json()["detail"].startswith("parts.details: not uploaded")
    await client.put(
        f"/v1/device/clips/{clip_id}/parts/details", content=payloads["details"], headers=device
    )
    wrong = commit_body(clip_id, camera_id, {**payloads, "clip": b"other bytes"}, keys)
    mismatch = await client.post("/v1/device/clips", json=wrong, headers=device)
    assert mismatch.status_code == 422
    assert mismatch.json()["detail"].startswith("parts.clip:")
    foreign = await client.post(
        "/v1/device/clips", json=commit_body(clip_id, other_camera, payloads, keys), headers=device
    )
    assert foreign.status_code == 404
    not_home_key = commit_body(
        clip_id, camera_id, payloads, [{**keys[0], "recipient_key_id": "a" * 32}]
    )
    refused = await client.post("/v1/device/clips", json=not_home_key, headers=device)
    assert refused.status_code == 422
    assert "not one of this home's keys" in refused.json()["detail"]
    assert actors.row_counts()["clips"] == 0


async def test_strangers_and_devices_of_other_homes(client: AsyncClient, actors: Actors) -> None:
    owner, stranger = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    stranger_home, _ = actors.home(stranger)
    clip_id = await upload_clip(client, actors.device(owner, home_id), camera_id)
    for path in (f"/v1/cameras/{camera_id}/clips", f"/v1/clips/{clip_id}/parts/clip"):
        assert (await client.get(path, headers=stranger.headers)).status_code == 404
    other_device = actors.device(stranger, stranger_home)
    _, _, parts = sealed(other_device, camera_id)
    taken = await client.put(
        f"/v1/device/clips/{clip_id}/parts/clip", content=parts["clip"], headers=other_device
    )
    assert taken.status_code == 409


async def test_owner_deletes_a_clip_and_its_blobs(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    clip_id = await upload_clip(client, actors.device(owner, home_id), camera_id)
    with hub.sessions() as session:
        keys = list(session.scalars(select(ClipPart.blob_key)))
    assert len(keys) == 3 and all(hub.storage.exists(key) for key in keys)
    deleted = await client.delete(f"/v1/clips/{clip_id}", headers=owner.headers)
    assert deleted.status_code == 204
    assert not any(hub.storage.exists(key) for key in keys)
    assert actors.row_counts()["clip_parts"] == 0
    gone = await client.get(f"/v1/clips/{clip_id}/parts/clip", headers=owner.headers)
    assert gone.status_code == 404


async def test_oversize_parts_are_refused(settings: Settings, actors: Actors) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"max_clip_bytes": 10_000}))
    async with app.router.lifespan_context(app):
        small = Actors(hub=app.state.hub, client=actors.client)
        owner = small.resident()
        home_id, _ = small.home(owner)
        device = small.device(owner, home_id)

        clip_id, content_key = uuid.uuid4(), new_content_key()
        big = seal_parts(device, clip_id, uuid.uuid4(), {"clip": os.urandom(20_000)}, content_key)

        async def chunked() -> AsyncIterator[bytes]:
            for start in range(0, len(big["clip"]), 4000):
                yield big["clip"][start : start + 4000]

        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as http:
            declared = await http.put(
                f"/v1/device/clips/{clip_id}/parts/clip", content=big["clip"], headers=device
            )
            streamed = await http.put(
                f"/v1/device/clips/{clip_id}/parts/clip", content=chunked(), headers=device
            )
        for response in (declared, streamed):
            assert response.status_code == 413
            assert "10000" in response.json()["detail"]
        assert small.row_counts()["clip_parts"] == 0
        assert not [p for p in (settings.data_dir / "blobs").rglob("*") if p.is_file()]
