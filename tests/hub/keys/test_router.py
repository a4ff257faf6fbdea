"""Keys on the hub: it stores public keys, passphrase boxes and wrapped keys, and checks them."""

from __future__ import annotations

import base64
import uuid

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient

from doorstep.crypto.envelope import clip_subject, home_subject, wrap_key
from doorstep.crypto.format import BoxParameters
from doorstep.crypto.keys import key_id, private_raw
from doorstep.crypto.unwrap import unwrap_key
from tests.hub.actors import Actor, Actors
from tests.hub.clips.uploads import upload_clip
from tests.hub.keys.bodies import b64, key_body, rotation_body


async def add_member(client: AsyncClient, owner: Actor, home_id: uuid.UUID, member: Actor) -> None:
    response = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert response.status_code == 201, response.text


async def test_my_key_is_stored_as_a_box_and_recovered(client: AsyncClient, actors: Actors) -> None:
    resident = actors.resident()
    private = X25519PrivateKey.generate()
    body = key_body(private)
    stored = await client.put("/v1/me/key", json=body, headers=resident.headers)
    assert stored.status_code == 200, stored.text
    assert stored.json()["id"] == key_id(private.public_key())
    assert "private_key_box" not in stored.json()
    again = await client.get("/v1/me/key", headers=resident.headers)
    assert again.json()["private_key_box"] == body["private_key_box"]
    # The hub never holds the private key in clear.
    assert private_raw(private) not in base64.b64decode(again.json()["private_key_box"])


async def test_bad_keys_and_weak_boxes_are_refused(client: AsyncClient, actors: Actors) -> None:
    resident = actors.resident()
    private = X25519PrivateKey.generate()
    weak = key_body(private, BoxParameters(memory_kib=1024, iterations=1, lanes=1))
    cases = [
        ({**key_body(private), "public_key": b64(bytes(31))}, "public_key", "32 bytes"),
        ({**key_body(private), "public_key": "not base64!"}, "public_key", "base64"),
        (weak, "private_key_box", "memory 1024 KiB"),
        ({**key_body(private), "private_key_box": b64(bytes(20))}, "private_key_box", "89"),
    ]
    for body, field, words in cases:
        refused = await client.put("/v1/me/key", json=body, headers=resident.headers)
        assert refused.status_code == 422, refused.text
        assert field in refused.json()["detail"] and words in refused.json()["detail"]
    assert actors.row_counts()["user_keys"] == 0
    missing = await client.get("/v1/me/key", headers=resident.headers)
    assert missing.status_code == 404 and "doorstep keys generate" in missing.json()["detail"]


async def test_a_public_key_belongs_to_one_account(client: AsyncClient, actors: Actors) -> None:
    first, second = actors.resident(), actors.resident()
    body = key_body(X25519PrivateKey.generate())
    assert (await client.put("/v1/me/key", json=body, headers=first.headers)).status_code == 200
    taken = await client.put("/v1/me/key", json=body, headers=second.headers)
    assert taken.status_code == 409


async def test_rotation_must_wrap_to_exactly_the_members_with_keys(
    client: AsyncClient, actors: Actors
) -> None:
    owner, member, outsider = actors.resident(), actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    first = actors.home_key(owner, home_id)
    await add_member(client, owner, home_id, member)
    member_key, outsider_key = actors.user_key(member), actors.user_key(outsider)
    new = X25519PrivateKey.generate()
    subject = home_subject(key_id(new.public_key()))
    path = f"/v1/homes/{home_id}/keys"
    owner_key = actors.user_keys[owner.user_id]

    def rotation(*grant_to: X25519PrivateKey) -> dict[str, object]:
        keys = [private.public_key() for private in grant_to]
        return rotation_body(actors.hub, home_id, owner_key=owner_key, new=new, grant_to=keys)

    for body, words in (
        (rotation(owner_key), "has no grant"),
        (rotation(owner_key, member_key, outsider_key), "not a current household"),
    ):
        refused = await client.post(path, json=body, headers=owner.headers)
        assert refused.status_code == 422 and words in refused.json()["detail"], refused.text
    body = rotation(owner_key, member_key)
    by_member = await client.post(path, json=body, headers=member.headers)
    assert by_member.status_code == 403
    rotated = await client.post(path, json=body, headers=owner.headers)
    assert rotated.status_code == 201, rotated.text
    listed = (await client.get(path, headers=member.headers)).json()
    assert [k["id"] for k in listed["keys"]] == [
        key_id(new.public_key()),
        key_id(first.public_key()),
    ]
    assert listed["keys"][1]["retired_at"] is not None
    # The member was granted the new key only; it opens with their own private key.
    current, old = listed["keys"]
    assert old["wrapped_for_me"] is None
    raw = unwrap_key(
        base64.b64decode(current["wrapped_for_me"]), recipient=member_key, subject=subject
    )
    assert raw == private_raw(new)


async def test_the_device_learns_the_current_home_key(client: AsyncClient, actors: Actors) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    device = actors.device(owner, home_id)
    seen = (await client.get("/v1/device", headers=device)).json()["home_key"]
    assert seen["id"] == key_id(actors.home_keys[home_id].public_key())
    rotated = actors.home_key(owner, home_id, rotate=True)
    seen = (await client.get("/v1/device", headers=device)).json()["home_key"]
    assert seen["id"] == key_id(rotated.public_key())


async def test_removing_a_member_drops_their_grants_and_shares(
    client: AsyncClient, actors: Actors
) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    await add_member(client, owner, home_id, member)
    actors.user_key(member)
    actors.home_key(owner, home_id, rotate=True)  # now wrapped to the member too
    clip_id = await upload_clip(client, actors.device(owner, home_id), camera_id)
    member_key = actors.user_keys[member.user_id]
    wrapped = wrap_key(bytes(32), recipient=member_key.public_key(), subject=clip_subject(clip_id))
    shared = await client.post(
        f"/v1/clips/{clip_id}/keys",
        json={"recipient_key_id": key_id(member_key.public_key()), "wrapped_key": b64(wrapped)},
        headers=owner.headers,
    )
    assert shared.status_code == 201, shared.text
    kinds = await client.get(f"/v1/clips/{clip_id}/keys", headers=member.headers)
    assert sorted(k["recipient_kind"] for k in kinds.json()["keys"]) == ["home", "user"]
    assert actors.row_counts()["home_key_grants"] == 2
    removed = await client.delete(
        f"/v1/homes/{home_id}/members/{member.user_id}", headers=owner.headers
    )
    assert removed.status_code == 204
    counts = actors.row_counts()
    assert counts["home_key_grants"] == 1 and counts["clip_keys"] == 1
    listed = await client.get(f"/v1/homes/{home_id}/keys", headers=owner.headers)
    assert listed.json()["rotation_due"] is True
    # The re-wrap and the removal are on the public audit log, without naming anyone.
    entries = (await client.get("/v1/audit/entries", params={"limit": 1000})).json()["data"]
    actions = [row["entry"]["action"] for row in entries]
    assert actions[-2:] == ["clip.shared", "home.member_removed"]
    assert str(member.user_id) not in str(entries) and str(home_id) not in str(entries)
    actors.home_key(owner, home_id, rotate=True)
    listed = await client.get(f"/v1/homes/{home_id}/keys", headers=owner.headers)
    assert listed.json()["rotation_due"] is False


async def test_sharing_is_only_to_household_keys(client: AsyncClient, actors: Actors) -> None:
    owner, stranger = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    clip_id = await upload_clip(client, actors.device(owner, home_id), camera_id)
    stranger_key = actors.user_key(stranger)
    wrapped = wrap_key(
        bytes(32), recipient=stranger_key.public_key(), subject=clip_subject(clip_id)
    )
    body = {"recipient_key_id": key_id(stranger_key.public_key()), "wrapped_key": b64(wrapped)}
    refused = await client.post(f"/v1/clips/{clip_id}/keys", json=body, headers=owner.headers)
    assert refused.status_code == 422 and "household member" in refused.json()["detail"]
    owner_key = key_id(actors.user_keys[owner.user_id].public_key())
    malformed = {"recipient_key_id": owner_key, "wrapped_key": b64(b"\x02" + bytes(80))}
    refused = await client.post(f"/v1/clips/{clip_id}/keys", json=malformed, headers=owner.headers)
    assert refused.status_code == 422 and "version 2" in refused.json()["detail"]
    home_key = key_id(actors.home_keys[home_id].public_key())
    edge_key = await client.delete(f"/v1/clips/{clip_id}/keys/{home_key}", headers=owner.headers)
    assert edge_key.status_code == 404
    # A person without a key, or without a grant, is offered no wrapped keys at all.
    assert (
        await client.get(f"/v1/clips/{clip_id}/keys", headers=stranger.headers)
    ).status_code == 404


async def test_uploads_must_be_sealed_for_this_clip_and_device(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    device = actors.device(owner, home_id)
    clip_id = uuid.uuid4()
    plain_mp4 = b"\x00\x00\x00\x18ftypmp42" + bytes(4000)
    refused = await client.put(
        f"/v1/device/clips/{clip_id}/parts/clip", content=plain_mp4, headers=device
    )
    assert refused.status_code == 422 and "not a sealed part" in refused.json()["detail"]
    from tests.hub.clips.uploads import seal_parts

    sealed = seal_parts(device, uuid.uuid4(), camera_id, {"clip": b"video"}, bytes(32))["clip"]
    other_clip = await client.put(
        f"/v1/device/clips/{clip_id}/parts/clip", content=sealed, headers=device
    )
    assert other_clip.status_code == 422 and "clip_id" in other_clip.json()["detail"]
    sealed = seal_parts(device, clip_id, camera_id, {"snapshot": b"jpeg"}, bytes(32))["snapshot"]
    other_part = await client.put(
        f"/v1/device/clips/{clip_id}/parts/clip", content=sealed, headers=device
    )
    assert other_part.status_code == 422 and "part snapshot" in other_part.json()["detail"]
    assert actors.row_counts()["clip_parts"] == 0


async def test_a_new_key_drops_what_was_wrapped_to_the_old_one(
    client: AsyncClient, actors: Actors
) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, (camera_id,) = actors.home(owner)
    await add_member(client, owner, home_id, member)
    old_key = actors.user_key(member)
    actors.home_key(owner, home_id, rotate=True)
    clip_id = await upload_clip(client, actors.device(owner, home_id), camera_id)
    wrapped = wrap_key(bytes(32), recipient=old_key.public_key(), subject=clip_subject(clip_id))
    body = {"recipient_key_id": key_id(old_key.public_key()), "wrapped_key": b64(wrapped)}
    assert (
        await client.post(f"/v1/clips/{clip_id}/keys", json=body, headers=owner.headers)
    ).status_code == 201
    before = actors.row_counts()
    replaced = await client.put(
        "/v1/me/key", json=key_body(X25519PrivateKey.generate()), headers=member.headers
    )
    assert replaced.status_code == 200, replaced.text
    after = actors.row_counts()
    assert after["home_key_grants"] == before["home_key_grants"] - 1
    assert after["clip_keys"] == before["clip_keys"] - 1
    assert after["user_keys"] == before["user_keys"]
    offered = await client.get(f"/v1/clips/{clip_id}/keys", headers=member.headers)
    assert offered.json()["keys"] == []
