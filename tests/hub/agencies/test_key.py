"""An agency's key: only a real X25519 key is published, and every route that serves it
serves the proof of the entry that published it, for clients to check before they wrap
anything to it; the public list shows its fingerprint."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient
from sqlalchemy import select

from doorstep.audit.keyproof import KeyRefused
from doorstep.crypto.keys import public_raw
from doorstep.hub.accounts.models import Role
from doorstep.hub.agencies.models import Agency
from doorstep.hub.state import HubState
from tests.hub.actors import Actors
from tests.hub.proofs import checked_proof
from tests.hub.shares import scene

P = 2**255 - 19
# Refused encodings (RFC 7748 §5; docs/crypto-format.md, Keys), each a 32-byte value.
REFUSED = {
    "zero": bytes(32),
    "one": (1).to_bytes(32, "little"),
    "order 8": (
        325606250916557431795983626356110631294008115727848805560023387167927233504
    ).to_bytes(32, "little"),
    "p - 1": (P - 1).to_bytes(32, "little"),
    "p + 9, non-canonical": (P + 9).to_bytes(32, "little"),
    "top bit set": bytes(range(1, 32)) + b"\x80",
}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def new_key() -> bytes:
    return public_raw(X25519PrivateKey.generate().public_key())


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


@pytest.mark.parametrize("name", sorted(REFUSED))
async def test_only_a_real_x25519_key_is_published(
    client: AsyncClient, actors: Actors, name: str
) -> None:
    member = actors.user(Role.AGENCY_MEMBER)
    before = actors.row_counts()
    response = await client.put(
        "/v1/agency/key", json={"public_key": b64(REFUSED[name])}, headers=member.headers
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("public_key:")
    after = actors.row_counts()
    for counts in (before, after):
        counts.pop("audit_checkpoints")  # signed by the hub's own timer
    assert after == before


async def test_the_key_is_served_with_the_proof_of_its_entry(
    client: AsyncClient, actors: Actors, hub: HubState, tmp_path: Path
) -> None:
    member = actors.user(Role.AGENCY_MEMBER)
    key = new_key()
    put = await client.put("/v1/agency/key", json={"public_key": b64(key)}, headers=member.headers)
    assert put.status_code == 200, put.text
    agency = put.json()
    assert (agency["public_key"], agency["key_id"]) == (b64(key), key_id(key))
    binding = {"agency_id": agency["id"], "key_id": key_id(key)}
    await checked_proof(
        client,
        agency["proof"],
        action="agency.key_published",
        objects=binding,
        memory_file=tmp_path / "put.json",
    )
    mine = (await client.get("/v1/agency", headers=member.headers)).json()
    assert mine["public_key"] == b64(key)
    assert mine["proof"]["index"] == agency["proof"]["index"]
    with hub.sessions() as session:
        stored = session.scalars(select(Agency.key_audit_index)).one()
    assert stored == agency["proof"]["index"]
    # The same key again logs nothing new; another key is proven by its own entry.
    again = await client.put(
        "/v1/agency/key", json={"public_key": b64(key)}, headers=member.headers
    )
    assert again.json()["proof"]["index"] == agency["proof"]["index"]
    other = new_key()
    changed = await client.put(
        "/v1/agency/key", json={"public_key": b64(other)}, headers=member.headers
    )
    assert changed.json()["proof"]["index"] > agency["proof"]["index"]
    with pytest.raises(KeyRefused, match="key_id"):
        await checked_proof(
            client,
            changed.json()["proof"],
            action="agency.key_published",
            objects=binding,
            memory_file=tmp_path / "changed.json",
        )


async def test_an_agency_without_a_key_has_no_proof(client: AsyncClient, actors: Actors) -> None:
    member = actors.user(Role.AGENCY_MEMBER)
    mine = (await client.get("/v1/agency", headers=member.headers)).json()
    assert (mine["public_key"], mine["key_id"], mine["proof"]) == (None, None, None)
    listed = (await client.get("/v1/agencies")).json()["data"]
    assert [(a["key_fingerprint"], a["proof"]) for a in listed] == [(None, None)]


async def test_residents_get_the_key_proof_in_their_inbox_and_the_public_list(
    client: AsyncClient, actors: Actors, tmp_path: Path
) -> None:
    home = await scene.home_with_clip(actors, client)
    agency = await scene.agency(actors, client)
    filed = await scene.file_request(client, agency)
    key = public_raw(agency.key.public_key())
    agency_id = (await client.get("/v1/agency", headers=agency.member.headers)).json()["id"]
    binding = {"agency_id": agency_id, "key_id": key_id(key)}
    listed = await scene.delivery_of(client, home, filed["id"])
    entry = await client.get(f"/v1/inbox/{listed['id']}", headers=home.owner.headers)
    for served in (listed["agency"], entry.json()["agency"]):
        assert served["public_key"] == b64(key)
        await checked_proof(
            client,
            served["proof"],
            action="agency.key_published",
            objects=binding,
            memory_file=tmp_path / f"{len(list(tmp_path.iterdir()))}.json",
        )
    [public] = (await client.get("/v1/agencies")).json()["data"]
    # The key id in groups of four, as the agency reads it out from its own client.
    assert public["key_fingerprint"] == " ".join(key_id(key)[i : i + 4] for i in range(0, 32, 4))
    await checked_proof(
        client,
        public["proof"],
        action="agency.key_published",
        objects=binding,
        memory_file=tmp_path / "public.json",
    )
