"""Sharing a clip's blurred twin alone: the agency opens the twin and nothing of the clip."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.audit.checkpoint import LogKey
from doorstep.crypto.decrypt import open_part
from doorstep.crypto.envelope import clip_subject
from doorstep.crypto.keys import ed25519_public, public_raw
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError
from doorstep.evidence.verify import verify_package
from doorstep.hub.shares.models import SharedClip
from doorstep.hub.state import HubState
from doorstep.owner.sharing import share_choice
from tests.hub.actors import Actors
from tests.hub.clips.uploads import PARTS, TWIN, upload_with_twin
from tests.hub.shares import scene


async def test_a_shared_twin_reaches_the_agency_and_opens_nothing_of_the_clip(
    actors: Actors, client: AsyncClient, hub: HubState, tmp_path: Path
) -> None:
    agency = await scene.agency(actors, client)
    owner = actors.resident()
    home_id, [camera_id] = actors.home(owner)
    device = actors.device(owner, home_id)
    started = scene.now() - timedelta(minutes=10)
    twinned = await upload_with_twin(
        client, device, camera_id, times=(started, started + timedelta(seconds=20))
    )
    assert twinned.committed.status_code == 201, twinned.committed.text
    clip_id = twinned.clip_id
    request = await scene.file_request(client, agency)
    home = scene.Home(owner, home_id, camera_id, clip_id, twinned.plaintexts)
    entry = await scene.delivery_of(client, home, request["id"])

    # The owner's client: the twin's key, opened with the home key, re-wrapped to the agency.
    record = await client.get(
        f"/v1/clips/{clip_id}/keys", params={"scope": "twin"}, headers=owner.headers
    )
    [wrapped] = record.json()["keys"]
    twin_key = unwrap_key(
        base64.b64decode(wrapped["wrapped_key"]),
        recipient=actors.home_keys[home_id],
        subject=clip_subject(clip_id),
    )
    choice = share_choice(
        clip_id=clip_id,
        content_key=twin_key,
        sealed_parts={name: twinned.sealed[name] for name in TWIN},
        device_public=ed25519_public(base64.b64decode(record.json()["device_public_key"])),
        agency_public_key=public_raw(agency.key.public_key()),
    )
    shared = await client.post(
        f"/v1/inbox/{entry['id']}/share",
        json={"clips": [choice | {"twin": True}]},
        headers=owner.headers,
    )
    assert shared.status_code == 201, shared.text
    [listed] = shared.json()["clips"]
    assert listed["twin"] is True
    assert listed["ciphertext_sha256"] == hashlib.sha256(twinned.sealed["twin_clip"]).hexdigest()

    # The agency's package holds the twin's parts, which verify and decrypt; no clip part.
    package = await client.get(
        f"/v1/agency/shares/{shared.json()['id']}/package", headers=agency.member.headers
    )
    assert package.status_code == 200, package.text
    hub_key = LogKey.from_vkey((await client.get("/v1/audit/key")).json()["vkey"])
    out = tmp_path / "out"
    verify_package(io.BytesIO(package.content), hub_key=hub_key, agency_key=agency.key, out_dir=out)
    opened = {path.stem: path.read_bytes() for path in (out / str(clip_id)).iterdir()}
    assert opened == {name: twinned.plaintexts[name] for name in TWIN}

    # The one key the agency holds is the twin's: it opens none of the clip's own parts.
    with hub.sessions() as session:
        row = session.scalar(select(SharedClip).where(SharedClip.clip_id == clip_id))
        assert row is not None and row.wrapped_key is not None
        held = unwrap_key(row.wrapped_key, recipient=agency.key, subject=clip_subject(clip_id))
    assert held == twin_key
    for name in PARTS:
        with pytest.raises(CryptoError):
            open_part(
                twinned.sealed[name],
                content_key=held,
                clip_id=clip_id,
                part=name,
                device_public=device.signing_key.public_key(),
            )


async def test_a_clip_without_a_twin_can_not_be_shared_as_one(
    actors: Actors, client: AsyncClient
) -> None:
    home, agency, request = await scene.police_request(actors, client)
    entry = await scene.delivery_of(client, home, request["id"])
    body = await scene.share_body(client, actors, home, agency)
    body["clips"][0]["twin"] = True
    refused = await client.post(
        f"/v1/inbox/{entry['id']}/share", json=body, headers=home.owner.headers
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == f"clips[0].twin: clip {home.clip_id} has no blurred twin"
