"""Pairing edge devices with one-time codes, their tokens, and revocation."""

from __future__ import annotations

import asyncio
import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.hub.devices.models import PairingCode
from doorstep.hub.state import HubState
from tests.hub.actors import Actors


def device_key() -> str:
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(key).decode()


async def test_pairing_flow(client: AsyncClient, actors: Actors, hub: HubState) -> None:
    owner = actors.resident()
    home_id, camera_ids = actors.home(owner, cameras=2)
    issued = await client.post(f"/v1/homes/{home_id}/pairing-codes", headers=owner.headers)
    assert issued.status_code == 201
    code = issued.json()["code"]
    assert len(code) == 11 and code[5] == "-"
    with hub.sessions() as session:
        stored = list(session.scalars(select(PairingCode.code_hash)))
    assert all(code.replace("-", "") not in value for value in stored)
    key = device_key()
    typed = code.lower().replace("-", " ")
    paired = await client.post(
        "/v1/devices/pair", json={"code": typed, "name": "Garage box", "public_key": key}
    )
    assert paired.status_code == 201, paired.text
    assert paired.json()["device"]["public_key"] == key
    device = {"Authorization": f"Bearer {paired.json()['token']}"}
    config = await client.get("/v1/device", headers=device)
    assert config.status_code == 200
    assert {c["id"] for c in config.json()["cameras"]} == {str(c) for c in camera_ids}
    listed = await client.get(f"/v1/homes/{home_id}/devices", headers=owner.headers)
    assert [d["name"] for d in listed.json()["data"]] == ["Garage box"]
    device_id = paired.json()["device"]["id"]
    revoked = await client.delete(f"/v1/devices/{device_id}", headers=owner.headers)
    assert revoked.status_code == 204
    assert (await client.get("/v1/device", headers=device)).status_code == 401
    listed = await client.get(f"/v1/homes/{home_id}/devices", headers=owner.headers)
    assert listed.json()["data"][0]["revoked_at"] is not None


async def test_a_key_pairs_only_once(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    key = device_key()
    for expected in (201, 409):
        code = await client.post(f"/v1/homes/{home_id}/pairing-codes", headers=owner.headers)
        response = await client.post(
            "/v1/devices/pair",
            json={"code": code.json()["code"], "name": "edge", "public_key": key},
        )
        assert response.status_code == expected


async def test_racing_devices_get_one_pairing(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = (await client.post(f"/v1/homes/{home_id}/pairing-codes", headers=owner.headers)).json()
    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/devices/pair",
                json={"code": code["code"], "name": f"edge {n}", "public_key": device_key()},
            )
            for n in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 422, 422, 422]
    assert actors.row_counts()["edge_devices"] == 1


async def test_guessing_codes_is_rate_limited(client: AsyncClient, actors: Actors) -> None:
    statuses = []
    for n in range(32):
        response = await client.post(
            "/v1/devices/pair",
            json={"code": f"{n:05d}-AAAAA", "name": "guess", "public_key": device_key()},
        )
        statuses.append(response.status_code)
    assert statuses[:30] == [422] * 30
    assert statuses[30:] == [429, 429]
    assert actors.row_counts()["edge_devices"] == 0


async def test_devices_cannot_use_people_routes(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = (await client.post(f"/v1/homes/{home_id}/pairing-codes", headers=owner.headers)).json()
    paired = await client.post(
        "/v1/devices/pair",
        json={"code": code["code"], "name": "edge", "public_key": device_key()},
    )
    device = {"Authorization": f"Bearer {paired.json()['token']}"}
    assert (await client.get("/v1/me", headers=device)).status_code == 403
    assert (await client.get("/v1/cameras", headers=device)).status_code == 403


async def test_devices_report_camera_health(client: AsyncClient, actors: Actors) -> None:
    owner, neighbour = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    _, (other_camera,) = actors.home(neighbour)
    device = actors.device(owner, home_id)
    before = await client.get(f"/v1/cameras/{camera_id}", headers=owner.headers)
    assert before.json()["health"] is None
    report = {
        "connected": True,
        "fps": 14.8,
        "last_frame_at": "2026-11-24T08:00:00Z",
        "errors": 2,
    }
    response = await client.put(
        f"/v1/device/cameras/{camera_id}/health", json=report, headers=device
    )
    assert response.status_code == 200
    health = (await client.get(f"/v1/cameras/{camera_id}", headers=owner.headers)).json()["health"]
    assert health["connected"] is True and health["fps"] == 14.8 and health["errors"] == 2
    assert health["last_frame_at"] == "2026-11-24T08:00:00Z"
    foreign = await client.put(
        f"/v1/device/cameras/{other_camera}/health", json=report, headers=device
    )
    assert foreign.status_code == 404
    neighbours = await client.get(f"/v1/cameras/{other_camera}", headers=neighbour.headers)
    assert neighbours.json()["health"] is None
