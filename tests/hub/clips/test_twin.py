"""A clip's blurred twin: its own parts under its own key, shared without the clip's key."""

from __future__ import annotations

import base64
import uuid

import pytest
from httpx import AsyncClient

from doorstep.crypto.envelope import clip_subject, wrap_key
from doorstep.crypto.keys import key_id
from doorstep.crypto.stream import new_content_key
from doorstep.crypto.unwrap import unwrap_key
from doorstep.hub.clips.evidence import package_clips
from doorstep.hub.clips.models import Clip
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.clips.uploads import (
    PARTS,
    TWIN,
    opened_by_their_own_keys,
    upload_clip,
    upload_with_twin,
)
from tests.hub.keys.test_router import add_member

Household = tuple[Actor, Actor, uuid.UUID, uuid.UUID]  # owner, member, home, camera


@pytest.fixture
async def household(client: AsyncClient, actors: Actors) -> Household:
    owner, member = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    await add_member(client, owner, home_id, member)
    actors.user_key(member)
    return owner, member, home_id, camera_id


async def test_the_twin_has_a_key_of_its_own_that_opens_only_the_twin(
    client: AsyncClient, actors: Actors, household: Household
) -> None:
    owner, _, home_id, camera_id = household
    device = actors.device(owner, home_id)
    twin = await upload_with_twin(client, device, camera_id)
    clip_id, sealed, committed = twin.clip_id, twin.sealed, twin.committed
    assert committed.status_code == 201, committed.text
    listed = await client.get(f"/v1/cameras/{camera_id}/clips", headers=owner.headers)
    [clip] = listed.json()["data"]
    assert sorted(p["part"] for p in clip["parts"]) == sorted([*PARTS, *TWIN])

    home_private = actors.home_keys[home_id]
    keys = {}
    for scope in ("clip", "twin"):
        answer = await client.get(
            f"/v1/clips/{clip_id}/keys", params={"scope": scope}, headers=owner.headers
        )
        [row] = answer.json()["keys"]
        assert row["scope"] == scope
        wrapped = base64.b64decode(row["wrapped_key"])
        keys[scope] = unwrap_key(wrapped, recipient=home_private, subject=clip_subject(clip_id))
    # Without a scope, the clip's own key, as clients before twins asked for it.
    plain = await client.get(f"/v1/clips/{clip_id}/keys", headers=owner.headers)
    assert [row["scope"] for row in plain.json()["keys"]] == ["clip"]
    opened = opened_by_their_own_keys(sealed, keys, clip_id, device.signing_key.public_key())
    assert opened == twin.plaintexts


@pytest.mark.parametrize(
    ("twin_key", "twin_parts", "detail"),
    [
        (False, TWIN, "keys: the clip has a twin, but no key is given for it"),
        (True, (), "keys: a twin key is given, but the clip has no twin"),
        (True, ("twin_clip",), "parts.twin_snapshot: not uploaded yet"),
    ],
)
async def test_a_twin_comes_whole_with_its_key(
    client: AsyncClient,
    actors: Actors,
    household: Household,
    twin_key: bool,
    twin_parts: tuple[str, ...],
    detail: str,
) -> None:
    owner, _, home_id, camera_id = household
    device = actors.device(owner, home_id)
    committed = (
        await upload_with_twin(client, device, camera_id, twin_key=twin_key, twin_parts=twin_parts)
    ).committed
    assert committed.status_code == 422
    assert committed.json()["detail"] == detail


async def test_packages_hold_the_clips_own_parts_not_the_twins(
    client: AsyncClient, actors: Actors, hub: HubState, household: Household
) -> None:
    owner, _, home_id, camera_id = household
    twin = await upload_with_twin(client, actors.device(owner, home_id), camera_id)
    clip_id, committed = twin.clip_id, twin.committed
    assert committed.status_code == 201, committed.text
    with hub.sessions() as session:
        [packaged] = package_clips(session, hub.storage, [session.get_one(Clip, clip_id)])
    assert [part.name for part in packaged.parts] == list(PARTS)


async def test_sharing_the_twin_hands_over_no_key_to_the_clip(
    client: AsyncClient, actors: Actors, household: Household
) -> None:
    owner, member, home_id, camera_id = household
    actors.home_key(owner, home_id, rotate=True)  # wrapped to the member's key from now on
    device = actors.device(owner, home_id)
    twin = await upload_with_twin(client, device, camera_id)
    clip_id, committed = twin.clip_id, twin.committed
    assert committed.status_code == 201, committed.text
    member_key = actors.user_keys[member.user_id]
    twin_key = new_content_key()
    body = {
        "recipient_key_id": key_id(member_key.public_key()),
        "wrapped_key": base64.b64encode(
            wrap_key(twin_key, recipient=member_key.public_key(), subject=clip_subject(clip_id))
        ).decode(),
        "scope": "twin",
    }
    # A clip without a twin has no twin to share.
    plain_id = await upload_clip(client, device, camera_id)
    missing = await client.post(f"/v1/clips/{plain_id}/keys", json=body, headers=owner.headers)
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"clip {plain_id} has no blurred twin"
    # Only the owner shares; a member may not pass the twin on.
    refused = await client.post(f"/v1/clips/{clip_id}/keys", json=body, headers=member.headers)
    assert refused.status_code == 403
    shared = await client.post(f"/v1/clips/{clip_id}/keys", json=body, headers=owner.headers)
    assert shared.status_code == 201, shared.text
    assert shared.json()["scope"] == "twin"
    twin_keys = await client.get(
        f"/v1/clips/{clip_id}/keys", params={"scope": "twin"}, headers=member.headers
    )
    assert sorted(row["recipient_kind"] for row in twin_keys.json()["keys"]) == ["home", "user"]
    clip_keys = await client.get(f"/v1/clips/{clip_id}/keys", headers=member.headers)
    assert [row["recipient_kind"] for row in clip_keys.json()["keys"]] == ["home"]
    withdrawn = await client.delete(
        f"/v1/clips/{clip_id}/keys/{body['recipient_key_id']}",
        params={"scope": "twin"},
        headers=owner.headers,
    )
    assert withdrawn.status_code == 204
    twin_keys = await client.get(
        f"/v1/clips/{clip_id}/keys", params={"scope": "twin"}, headers=member.headers
    )
    assert [row["recipient_kind"] for row in twin_keys.json()["keys"]] == ["home"]
