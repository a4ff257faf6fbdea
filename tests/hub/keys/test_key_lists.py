"""A home's key lists: stored only when an owner signed the next version and the hub's rows
agree with it; served to members and devices with their proofs."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient

from doorstep.crypto.keylist import (
    KeyList,
    ListedDevice,
    Member,
    SignedKeyList,
    verify_chain,
    with_home_key,
)
from doorstep.crypto.keys import public_raw
from doorstep.hub.state import HubState
from tests.hub.actors import Actor, Actors
from tests.hub.keys.bodies import list_body, next_list, rotation_body, signing_public
from tests.hub.keys.proofs import ProofChecker, key_id_of, label


async def household(client: AsyncClient, actors: Actors) -> tuple[Actor, Actor, uuid.UUID]:
    """An owner's home with key list version 1, and a member with a key who joined after."""
    owner, member = actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    actors.home_key(owner, home_id)
    added = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert added.status_code == 201
    actors.user_key(member)
    return owner, member, home_id


def with_members(key_list: KeyList, *members: Member) -> KeyList:
    return replace(key_list, members=tuple(sorted(members, key=lambda m: str(m.user_id))))


def member_entry(actors: Actors, actor: Actor, *, owner: bool = False) -> Member:
    private = actors.user_key(actor)
    public = public_raw(private.public_key())
    return Member(actor.user_id, owner, key_id_of(public), public, signing_public(private))


async def test_an_owner_signed_next_version_is_stored_logged_and_proven(
    client: AsyncClient, actors: Actors, hub: HubState, tmp_path: Path
) -> None:
    owner, member, home_id = await household(client, actors)
    v2 = next_list(hub, home_id)
    assert v2.version == 2 and {m.user_id for m in v2.members} == {owner.user_id, member.user_id}
    body = list_body(v2, actors.user_keys[owner.user_id])
    stored = await client.put(f"/v1/homes/{home_id}/key-list", json=body, headers=owner.headers)
    assert stored.status_code == 201, stored.text
    served = stored.json()
    assert {k: served[k] for k in body} == body
    checker = ProofChecker(client, hub, tmp_path)
    await checker.check(
        served["proof"],
        action="home_keys.signed",
        objects={
            "label": label("home", home_id),
            "version": 2,
            "list_sha256": hashlib.sha256(base64.b64decode(body["body"])).hexdigest(),
            "signing_key_id": key_id_of(signing_public(actors.user_keys[owner.user_id])),
        },
    )
    # Members read every version, oldest first, from any version on; each with its proof.
    path = f"/v1/homes/{home_id}/key-lists"
    page = (await client.get(path, headers=member.headers)).json()
    assert page["home_id"] == str(home_id) and page["count"] == 2
    assert [item["version"] for item in page["data"]] == [1, 2]
    after = (await client.get(path, params={"after": 1}, headers=member.headers)).json()
    assert [item["version"] for item in after["data"]] == [2]
    newest = verify_chain(
        [SignedKeyList.from_json(item) for item in page["data"]],
        home_id=home_id,
        pinned=None,
        trusted_owners=[signing_public(actors.user_keys[owner.user_id])],
    )
    assert newest.version == 2
    for item in page["data"]:
        await checker.check(
            item["proof"],
            action="home_keys.signed",
            objects={"label": label("home", home_id), "version": item["version"]},
        )
    outsider = actors.resident()
    assert (await client.get(path, headers=outsider.headers)).status_code == 404


async def test_lists_the_hub_must_refuse(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, member, home_id = await household(client, actors)
    outsider = actors.resident()
    owner_key, member_key = actors.user_keys[owner.user_id], actors.user_key(member)
    v2 = next_list(hub, home_id)
    v1_owner = member_entry(actors, owner, owner=True)
    flipped = list_body(v2, owner_key)
    signature = bytearray(base64.b64decode(flipped["signature"]))
    signature[5] ^= 1
    flipped["signature"] = base64.b64encode(bytes(signature)).decode()
    stray_key = public_raw(Ed25519PrivateKey.generate().public_key())
    stray = ListedDevice(uuid.uuid4(), key_id_of(stray_key), stray_key, revoked=False)
    unknown_home_key = X25519PrivateKey.generate().public_key()
    # (what is wrong, the body, status, the field the error names, words in it)
    cases: list[tuple[str, dict[str, Any], int, str, str]] = [
        ("signed by a member", list_body(v2, member_key), 422, "signer", "current owner"),
        ("signature broken", flipped, 422, "body", "signature does not verify"),
        ("a version skipped", list_body(replace(v2, version=3), owner_key), 422, "body", "skips"),
        (
            "someone not in the home",
            list_body(with_members(v2, v1_owner, member_entry(actors, outsider)), owner_key),
            422,
            "body",
            "not a member of this home",
        ),
        (
            "a member with another's keys",
            list_body(
                with_members(
                    v2,
                    v1_owner,
                    replace(member_entry(actors, outsider), user_id=member.user_id),
                ),
                owner_key,
            ),
            422,
            "body",
            "keys they have not published",
        ),
        (
            "a member listed as an owner",
            list_body(
                with_members(v2, v1_owner, member_entry(actors, member, owner=True)), owner_key
            ),
            422,
            "body",
            "listed as an owner",
        ),
        (
            "a device not in the home",
            list_body(replace(v2, devices=(stray,)), owner_key),
            422,
            "body",
            "not one of this home's devices",
        ),
        (
            "a home key the hub doesn't hold",
            list_body(
                replace(v2, home_keys=with_home_key(v2, public_raw(unknown_home_key)).home_keys),
                owner_key,
            ),
            422,
            "body",
            "not one of this home's keys",
        ),
    ]
    path = f"/v1/homes/{home_id}/key-list"
    before = actors.row_counts()
    for what, body, status, field, words in cases:
        refused = await client.put(path, json=body, headers=owner.headers)
        assert refused.status_code == status, (what, refused.text)
        detail = refused.json()["detail"]
        assert detail.startswith(f"{field}: ") and words in detail, (what, detail)
    good = list_body(v2, owner_key)
    by_member = await client.put(path, json=good, headers=member.headers)
    assert by_member.status_code == 403
    assert actors.row_counts() == before
    assert (await client.put(path, json=good, headers=owner.headers)).status_code == 201
    # Someone else's version 2 came first: this one is stale, whoever signed it.
    other_v2 = list_body(with_members(v2, v1_owner), owner_key)
    stale = await client.put(path, json=other_v2, headers=owner.headers)
    assert stale.status_code == 409 and "version 2 is stored" in stale.json()["detail"]
    again = await client.put(path, json=good, headers=owner.headers)
    assert again.status_code == 409


async def test_a_rotation_stores_the_list_that_makes_its_key_current(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, member, home_id = await household(client, actors)
    owner_key, member_key = actors.user_keys[owner.user_id], actors.user_keys[member.user_id]
    new = X25519PrivateKey.generate()
    keys = [owner_key.public_key(), member_key.public_key()]
    body = rotation_body(hub, home_id, owner_key=owner_key, new=new, grant_to=keys)
    path = f"/v1/homes/{home_id}/keys"
    without = {k: v for k, v in body.items() if k != "key_list"}
    refused = await client.post(path, json=without, headers=owner.headers)
    assert refused.status_code == 422 and "key_list" in refused.json()["detail"]
    old_current = list_body(next_list(hub, home_id), owner_key)
    refused = await client.post(path, json={**body, "key_list": old_current}, headers=owner.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("key_list.body: ")
    assert "retired" in refused.json()["detail"]
    by_member = rotation_body(hub, home_id, owner_key=member_key, new=new, grant_to=keys)
    refused = await client.post(path, json=by_member, headers=owner.headers)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("key_list.signer: ")
    rotated = await client.post(path, json=body, headers=owner.headers)
    assert rotated.status_code == 201, rotated.text
    lists = (await client.get(f"/v1/homes/{home_id}/key-lists", headers=owner.headers)).json()
    newest = verify_chain(
        [SignedKeyList.from_json(item) for item in lists["data"]],
        home_id=home_id,
        pinned=None,
    )
    assert newest.current_home_key().public_key == public_raw(new.public_key())
    assert newest.current_home_key().version == 2


async def test_a_device_reads_its_own_homes_lists(
    client: AsyncClient, actors: Actors, hub: HubState, tmp_path: Path
) -> None:
    owner, other_owner = actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    other_home, _ = actors.home(other_owner)
    device = actors.device(owner, home_id)  # list 1 (home key), list 2 (the device)
    actors.device(other_owner, other_home)
    page = (await client.get("/v1/device/key-lists", headers=device)).json()
    assert page["home_id"] == str(home_id)
    assert [item["version"] for item in page["data"]] == [1, 2]
    newest = verify_chain(
        [SignedKeyList.from_json(item) for item in page["data"]], home_id=home_id, pinned=None
    )
    assert newest.device(public_raw(device.signing_key.public_key())) is not None
    checker = ProofChecker(client, hub, tmp_path)
    await checker.check(
        page["data"][1]["proof"],
        action="home_keys.signed",
        objects={"label": label("home", home_id), "version": 2},
    )
    later = (await client.get("/v1/device/key-lists", params={"after": 2}, headers=device)).json()
    assert later["data"] == [] and later["count"] == 0
    # A person's token is not a device's.
    assert (await client.get("/v1/device/key-lists", headers=owner.headers)).status_code == 403


async def test_two_owners_signing_the_same_version_at_once_store_one(
    client: AsyncClient, actors: Actors, hub: HubState
) -> None:
    owner, _, home_id = await household(client, actors)
    owner_key = actors.user_keys[owner.user_id]
    v2 = next_list(hub, home_id)
    alike = [list_body(v2, owner_key), list_body(with_members(v2, *v2.owners()), owner_key)]
    path = f"/v1/homes/{home_id}/key-list"
    answers = await asyncio.gather(
        *(client.put(path, json=body, headers=owner.headers) for body in alike * 2)
    )
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    page = (await client.get(f"/v1/homes/{home_id}/key-lists", headers=owner.headers)).json()
    assert [item["version"] for item in page["data"]] == [1, 2]


# The version column holds 32 bits: past it, a 422 naming the parameter, never a 500.
AFTER_VERSION = {2**31 - 1: 200, 2**31: 422, -1: 422}


async def test_after_a_version_past_32_bits_is_refused_naming_it(
    client: AsyncClient, actors: Actors
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    device = actors.device(owner, home_id)
    answers = {}
    for after in AFTER_VERSION:
        for path, headers in (
            (f"/v1/homes/{home_id}/key-lists", owner.headers),
            ("/v1/device/key-lists", device),
        ):
            response = await client.get(path, params={"after": after}, headers=headers)
            answers[path, after] = response.status_code
            if response.status_code == 422:
                assert response.json()["detail"].startswith("query.after: "), response.text
            else:
                assert response.json()["data"] == [], response.text
    assert answers == {
        (path, after): status
        for after, status in AFTER_VERSION.items()
        for path in (f"/v1/homes/{home_id}/key-lists", "/v1/device/key-lists")
    }
