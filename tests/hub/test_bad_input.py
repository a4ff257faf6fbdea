"""Bad input gets a 4xx naming the problem, and writes nothing."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from httpx import AsyncClient, Response
from sqlalchemy import update

from doorstep.hub.db import transaction, utcnow
from doorstep.hub.devices.models import PairingCode
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.devices.pairing import CODE_BODY, pair_body


def device_key() -> str:
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(key).decode()


def refused(actors: Actors, response: Response, before: dict[str, int]) -> None:
    """The answer is a 4xx error body, and no table gained or lost a row."""
    assert response.status_code in range(400, 500)
    assert set(response.json()) == {"error", "detail"}
    assert actors.row_counts() == before


async def new_code(client: AsyncClient, owner: Actor, home_id: object) -> str:
    response = await client.post(
        f"/v1/homes/{home_id}/pairing-codes", json=CODE_BODY, headers=owner.headers
    )
    assert response.status_code == 201
    code: str = response.json()["code"]
    return code


async def test_malformed_json(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    before = actors.row_counts()
    response = await client.post(
        "/v1/homes",
        content=b'{"name": "Home",',
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert "not valid JSON" in response.json()["detail"]
    refused(actors, response, before)


async def test_oversize_body_names_the_limit(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    before = actors.row_counts()
    big = {"name": "x" * 2_000_000}
    response = await client.post("/v1/homes", json=big, headers=owner.headers)
    assert response.status_code == 413
    assert "1048576 bytes" in response.json()["detail"]
    refused(actors, response, before)


async def test_oversize_chunked_body_without_length(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    before = actors.row_counts()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/v1/homes",
        content=chunks(),
        headers={**owner.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413
    refused(actors, response, before)


async def test_unknown_field(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner, cameras=0)
    before = actors.row_counts()
    response = await client.post(
        f"/v1/homes/{home_id}/cameras",
        json={"name": "Door", "latitude": 45.5, "longitude": -122.6, "face_recognition": True},
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "unknown_field",
        "detail": "body.face_recognition: unknown field; it is not accepted",
    }
    refused(actors, response, before)


async def test_latitude_91(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner, cameras=0)
    before = actors.row_counts()
    response = await client.post(
        f"/v1/homes/{home_id}/cameras",
        json={"name": "Door", "latitude": 91, "longitude": -122.6},
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.latitude:")
    assert "90" in response.json()["detail"]
    refused(actors, response, before)


async def test_empty_name(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    before = actors.row_counts()
    for name in ("", "   "):
        response = await client.post("/v1/homes", json={"name": name}, headers=owner.headers)
        assert response.status_code == 422
        assert response.json()["detail"].startswith("body.name:")
        refused(actors, response, before)


async def test_null_in_update_is_refused(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    _, (camera_id,) = actors.home(owner)
    response = await client.patch(
        f"/v1/cameras/{camera_id}", json={"latitude": None}, headers=owner.headers
    )
    assert response.status_code == 422
    assert "latitude" in response.json()["detail"]
    camera = await client.get(f"/v1/cameras/{camera_id}", headers=owner.headers)
    assert camera.json()["latitude"] == 45.5


def assert_only_a_counted_guess(before: dict[str, int], after: dict[str, int]) -> None:
    """A refused pairing code leaves one failed attempt and its audit entry, nothing else."""
    assert after.pop("auth_attempts") == before.pop("auth_attempts") + 1
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after.pop("audit_nodes") > before.pop("audit_nodes")
    assert after == before


async def test_reused_pairing_code(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner, home_id)
    first = await client.post("/v1/devices/pair", json=pair_body(code, "edge", device_key()))
    assert first.status_code == 201
    before = actors.row_counts()
    again = await client.post("/v1/devices/pair", json=pair_body(code, "edge 2", device_key()))
    assert again.status_code == 422
    assert "used already" in again.json()["detail"]
    assert_only_a_counted_guess(before, actors.row_counts())


async def test_expired_pairing_code(client: AsyncClient, actors: Actors, hub: HubState) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner, home_id)
    with transaction(hub.sessions) as session:
        session.execute(update(PairingCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    before = actors.row_counts()
    response = await client.post("/v1/devices/pair", json=pair_body(code, "edge", device_key()))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("code:")
    assert "expired" in response.json()["detail"]
    assert_only_a_counted_guess(before, actors.row_counts())


async def test_bad_device_key(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    code = await new_code(client, owner, home_id)
    before = actors.row_counts()
    for key in ("not base64!", base64.b64encode(b"short").decode()):
        response = await client.post("/v1/devices/pair", json=pair_body(code, "edge", key))
        assert response.status_code == 422
        assert "public_key" in response.json()["detail"]
    assert actors.row_counts() == before


async def test_wrong_types_and_missing_fields(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    before = actors.row_counts()
    for body, field in (
        ({"name": 5}, "body.name"),
        ({}, "body.name"),
        ({"name": "Home", "retention_days": 0}, "body.retention_days"),
        ({"name": "Home", "retention_days": "forever"}, "body.retention_days"),
    ):
        response = await client.post("/v1/homes", json=body, headers=owner.headers)
        assert response.status_code == 422, body
        assert response.json()["detail"].startswith(field), response.json()
    response = await client.post("/v1/homes", json=["Home"], headers=owner.headers)
    assert response.status_code == 422
    response = await client.get("/v1/homes/not-a-uuid", headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("path.home_id")
    assert actors.row_counts() == before


async def test_control_characters_are_refused(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    before = actors.row_counts()
    response = await client.post("/v1/homes", json={"name": "Home\x00"}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.name:")
    assert "control characters" in response.json()["detail"]
    refused(actors, response, before)
