"""A neighbourhood for request tests: an agency with its key, homes with clips, answers."""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient

from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.format import PARTS
from doorstep.crypto.keys import ed25519_public, public_raw
from doorstep.crypto.unwrap import unwrap_key
from doorstep.hub.accounts.models import Role
from doorstep.owner.sharing import share_choice
from tests.hub.actors import Actor, Actors
from tests.hub.clips.uploads import upload_clip

# The test homes' first camera stands here (tests/hub/actors.py).
CAMERA = (45.5, -122.6)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Agency:
    member: Actor
    key: X25519PrivateKey


@dataclass
class Home:
    owner: Actor
    home_id: uuid.UUID
    camera_id: uuid.UUID
    clip_id: uuid.UUID
    payloads: dict[str, bytes]


async def agency(
    actors: Actors, client: AsyncClient, *, email: str | None = None, name: str | None = None
) -> Agency:
    """A verified police agency's member, with the agency's key published (email and
    agency name made up unless given)."""
    member = actors.user(Role.AGENCY_MEMBER, email=email, agency_name=name)
    key = X25519PrivateKey.generate()
    response = await client.put(
        "/v1/agency/key",
        json={"public_key": base64.b64encode(public_raw(key.public_key())).decode()},
        headers=member.headers,
    )
    assert response.status_code == 200, response.text
    return Agency(member, key)


async def home_with_clip(actors: Actors, client: AsyncClient, *, email: str | None = None) -> Home:
    """A home whose camera stands at CAMERA and recorded a clip ten minutes ago (its
    owner's email made up unless given)."""
    owner = actors.resident(email=email)
    home_id, [camera_id] = actors.home(owner)
    device = actors.device(owner, home_id)
    payloads = {name: os.urandom(3000) for name in PARTS}
    started = now() - timedelta(minutes=10)
    clip_id = await upload_clip(
        client, device, camera_id, payloads, (started, started + timedelta(seconds=20))
    )
    return Home(owner, home_id, camera_id, clip_id, payloads)


def request_body(**changes: Any) -> dict[str, Any]:
    """A request at CAMERA for the last hour, within every limit."""
    moment = now()
    body: dict[str, Any] = {
        "investigation_code": "CASE-2026-0042",
        "category": "burglary",
        "details": "Burglary reported at 10:40; looking for people leaving the block.",
        "location": {"circle": {"latitude": CAMERA[0], "longitude": CAMERA[1], "radius_m": 300}},
        "window_start": (moment - timedelta(hours=1)).isoformat(),
        "window_end": (moment - timedelta(minutes=1)).isoformat(),
        "retention_days": 90,
        "attests_purpose": True,
    }
    return {**body, **changes}


async def file_request(client: AsyncClient, agency: Agency, **changes: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/agency/requests", json=request_body(**changes), headers=agency.member.headers
    )
    assert response.status_code == 201, response.text
    filed: dict[str, Any] = response.json()
    return filed


async def police_request(
    actors: Actors, client: AsyncClient
) -> tuple[Home, Agency, dict[str, Any]]:
    """A home with a clip, and a request of Riverside Police that reached it (as filed)."""
    home = await home_with_clip(actors, client)
    police = await agency(actors, client, name="Riverside Police")
    return home, police, await file_request(client, police)


async def delivery_of(client: AsyncClient, home: Home, request_id: str) -> dict[str, Any]:
    inbox = (await client.get("/v1/inbox", headers=home.owner.headers)).json()["data"]
    [entry] = [each for each in inbox if each["request"]["id"] == request_id]
    found: dict[str, Any] = entry
    return found


async def share_body(
    client: AsyncClient, actors: Actors, home: Home, agency: Agency
) -> dict[str, Any]:
    """What the owner's client sends: the clip opened with the home key, re-wrapped."""
    record = (await client.get(f"/v1/clips/{home.clip_id}/keys", headers=home.owner.headers)).json()
    home_key = actors.home_keys[home.home_id]
    [wrapped] = [key for key in record["keys"] if key["recipient_kind"] == "home"]
    content_key = unwrap_key(
        base64.b64decode(wrapped["wrapped_key"]),
        recipient=home_key,
        subject=clip_subject(home.clip_id),
    )
    sealed = {
        part: (
            await client.get(f"/v1/clips/{home.clip_id}/parts/{part}", headers=home.owner.headers)
        ).content
        for part in PARTS
    }
    choice = share_choice(
        clip_id=home.clip_id,
        content_key=content_key,
        sealed_parts=sealed,
        device_public=ed25519_public(base64.b64decode(record["device_public_key"])),
        agency_public_key=public_raw(agency.key.public_key()),
    )
    return {"clips": [choice]}


async def share(
    client: AsyncClient, actors: Actors, home: Home, agency: Agency, request_id: str
) -> dict[str, Any]:
    entry = await delivery_of(client, home, request_id)
    response = await client.post(
        f"/v1/inbox/{entry['id']}/share",
        json=await share_body(client, actors, home, agency),
        headers=home.owner.headers,
    )
    assert response.status_code == 201, response.text
    shared: dict[str, Any] = response.json()
    return shared
