"""A user key is published with its signing key, bound by a signature, logged and proven."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient

from doorstep.crypto.keys import public_raw
from doorstep.crypto.signing_keys import binding_message
from doorstep.hub.audit.checkpoints import issue_checkpoint
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.keys.bodies import b64, key_body, rotation_body, signing_public
from tests.hub.keys.proofs import ProofChecker, key_id_of, label

P = 2**255 - 19
# X25519 public keys no one may publish: (name, the 32 bytes, words the refusal says).
BAD_PUBLIC_KEYS = [
    ("zero", (0).to_bytes(32, "little"), "low order"),
    ("one", (1).to_bytes(32, "little"), "low order"),
    (
        "order 8",
        (325606250916557431795983626356110631294008115727848805560023387167927233504).to_bytes(
            32, "little"
        ),
        "low order",
    ),
    (
        "order 8, the other",
        (39382357235489614581723060781553021112529911719440698176882885853963445705823).to_bytes(
            32, "little"
        ),
        "low order",
    ),
    ("p - 1", (P - 1).to_bytes(32, "little"), "low order"),
    ("p (0 again)", P.to_bytes(32, "little"), "canonical"),
    ("p + 1 (1 again)", (P + 1).to_bytes(32, "little"), "canonical"),
    ("2^255 - 1", (2**255 - 1).to_bytes(32, "little"), "canonical"),
    ("top bit set", (9 | 1 << 255).to_bytes(32, "little"), "canonical"),
    ("31 bytes", bytes(31), "32 bytes"),
]


def bound_to(public_key: bytes) -> dict[str, str]:
    """A signing key and a valid binding signature for ``public_key``, whatever it is."""
    signer = Ed25519PrivateKey.generate()
    signing = public_raw(signer.public_key())
    return {
        "signing_key": b64(signing),
        "binding_signature": b64(signer.sign(binding_message(public_key, signing))),
    }


@pytest.mark.parametrize(
    ("name", "raw", "words"), BAD_PUBLIC_KEYS, ids=[case[0] for case in BAD_PUBLIC_KEYS]
)
async def test_low_order_and_non_canonical_keys_are_refused(
    client: AsyncClient, actors: Actors, name: str, raw: bytes, words: str
) -> None:
    owner = actors.resident()
    home_id, _ = actors.home(owner)
    actors.home_key(owner, home_id)
    before = actors.row_counts()
    body = {**key_body(X25519PrivateKey.generate()), "public_key": b64(raw), **bound_to(raw)}
    refused = await client.put("/v1/me/key", json=body, headers=owner.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("public_key: ") and words in refused.json()["detail"]
    rotation = rotation_body(
        actors.hub,
        home_id,
        owner_key=actors.user_keys[owner.user_id],
        new=X25519PrivateKey.generate(),
        grant_to=[actors.user_keys[owner.user_id].public_key()],
    )
    rotation["public_key"] = b64(raw)
    refused = await client.post(f"/v1/homes/{home_id}/keys", json=rotation, headers=owner.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("public_key: ") and words in refused.json()["detail"]
    assert actors.row_counts() == before


async def test_the_binding_signature_must_bind_both_keys(
    client: AsyncClient, actors: Actors
) -> None:
    resident, other = actors.resident(), actors.resident()
    private = X25519PrivateKey.generate()
    good = key_body(private)
    someone_else = key_body(X25519PrivateKey.generate())
    flipped = bytearray(base64.b64decode(good["binding_signature"]))
    flipped[0] ^= 1
    cases = [
        # (what changes, the field named, words)
        ({"binding_signature": someone_else["binding_signature"]}, "binding_signature", "verify"),
        ({"binding_signature": b64(bytes(flipped))}, "binding_signature", "verify"),
        ({"binding_signature": b64(bytes(63))}, "binding_signature", "64 bytes"),
        ({"signing_key": someone_else["signing_key"]}, "binding_signature", "verify"),
        ({"signing_key": b64(bytes(31))}, "signing_key", "32 bytes"),
    ]
    for change, field, words in cases:
        refused = await client.put("/v1/me/key", json={**good, **change}, headers=resident.headers)
        assert refused.status_code == 422, (change, refused.text)
        detail = refused.json()["detail"]
        assert detail.startswith(f"{field}: ") and words in detail, (change, detail)
    assert actors.row_counts()["user_keys"] == 0
    # A key the signing key really binds is taken, once: the signing key is one account's.
    assert (await client.put("/v1/me/key", json=good, headers=resident.headers)).status_code == 200
    taken = await client.put("/v1/me/key", json=good, headers=other.headers)
    assert taken.status_code == 409
    # The same X25519 key again may only come with the signing key derived from it.
    same_key_other_signer = {**good, **bound_to(base64.b64decode(good["public_key"]))}
    refused = await client.put("/v1/me/key", json=same_key_other_signer, headers=resident.headers)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("signing_key: ")


async def test_a_published_key_is_logged_and_proven_in_every_response(
    client: AsyncClient, actors: Actors, hub: HubState, tmp_path: Path
) -> None:
    owner, member = actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    private = X25519PrivateKey.generate()
    public, signing = public_raw(private.public_key()), signing_public(private)
    expected = {
        "label": label("user", owner.user_id),
        "key_id": key_id_of(public),
        "signing_key_id": key_id_of(signing),
    }
    checker = ProofChecker(client, hub, tmp_path)
    published = await client.put("/v1/me/key", json=key_body(private), headers=owner.headers)
    assert published.status_code == 200, published.text
    served = published.json()
    assert served["id"] == expected["key_id"]
    assert served["signing_key_id"] == expected["signing_key_id"]
    assert base64.b64decode(served["signing_key"]) == signing
    # Proven in the response that published it: a checkpoint was signed to cover it.
    first = await checker.check(served["proof"], action="user_key.published", objects=expected)
    assert first.size == served["proof"]["index"] + 1
    newest = (await client.get("/v1/audit/checkpoint")).json()
    assert newest["size"] == first.size
    # Later reads prove the same entry in the newest checkpoint, which extends the first.
    actors.user_key(member)
    issue_checkpoint(hub.sessions, secret_key=hub.secret_key, origin=hub.settings.audit_origin)
    recovered = (await client.get("/v1/me/key", headers=owner.headers)).json()
    assert recovered["proof"]["index"] == served["proof"]["index"]
    later = await checker.check(recovered["proof"], action="user_key.published", objects=expected)
    assert later.size > first.size
    # Each member's key is served with its own entry's proof.
    add = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert add.status_code == 201
    items = (await client.get(f"/v1/homes/{home_id}/member-keys", headers=owner.headers)).json()
    by_user = {item["user_id"]: item for item in items["data"]}
    member_public = public_raw(actors.user_keys[member.user_id].public_key())
    member_item = by_user[str(member.user_id)]
    assert member_item["owner"] is False and by_user[str(owner.user_id)]["owner"] is True
    assert base64.b64decode(member_item["signing_key"]) == signing_public(
        actors.user_keys[member.user_id]
    )
    await checker.check(
        member_item["proof"],
        action="user_key.published",
        objects={
            "label": label("user", member.user_id),
            "key_id": key_id_of(member_public),
            "signing_key_id": key_id_of(base64.b64decode(member_item["signing_key"])),
        },
    )
    # A new key is a new entry; the old one stays in the log.
    replaced = await client.put(
        "/v1/me/key", json=key_body(X25519PrivateKey.generate()), headers=owner.headers
    )
    assert replaced.json()["proof"]["index"] > served["proof"]["index"]
    entries = (await client.get("/v1/audit/entries", params={"limit": 1000})).json()["data"]
    published_labels = [
        row["entry"]["objects"]["label"]
        for row in entries
        if row["entry"]["action"] == "user_key.published"
    ]
    assert published_labels.count(label("user", owner.user_id)) == 2
    assert str(owner.user_id) not in str(entries)


async def test_readers_at_once_sign_one_checkpoint_between_them(
    client: AsyncClient, actors: Actors, hub: HubState, tmp_path: Path
) -> None:
    residents = [actors.resident() for _ in range(4)]
    for resident in residents:
        actors.user_key(resident)  # logged, and no checkpoint covers any of them yet
    answers = await asyncio.gather(
        *(client.get("/v1/me/key", headers=r.headers) for r in residents * 3)
    )
    assert [answer.status_code for answer in answers] == [200] * 12
    checker = ProofChecker(client, hub, tmp_path)
    for resident, answer in zip(residents * 3, answers, strict=True):
        objects = {"label": label("user", resident.user_id), "key_id": answer.json()["id"]}
        await checker.check(answer.json()["proof"], action="user_key.published", objects=objects)
    sizes = (await client.get("/v1/audit/checkpoints")).json()["data"]
    assert len({row["size"] for row in sizes}) == len(sizes)


async def test_keys_published_at_once_for_one_account_leave_one(
    client: AsyncClient, actors: Actors
) -> None:
    resident = actors.resident()
    bodies = [key_body(X25519PrivateKey.generate()) for _ in range(4)]
    answers = await asyncio.gather(
        *(client.put("/v1/me/key", json=body, headers=resident.headers) for body in bodies)
    )
    assert {answer.status_code for answer in answers} <= {200, 409}, [a.text for a in answers]
    assert actors.row_counts()["user_keys"] == 1
    kept = (await client.get("/v1/me/key", headers=resident.headers)).json()
    assert kept["public_key"] in {body["public_key"] for body in bodies}
