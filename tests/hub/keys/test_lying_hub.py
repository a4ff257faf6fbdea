"""The lying hub fixture makes the lies clients must refuse; the real hub serves none of them.

Each case reads the same route through the real hub and through ``tests/lying_hub.py``:
what the real hub serves checks out as a client checks it, what the lying one serves
doesn't. The clients' refusals are tested with the clients (owner, edge, agency).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from doorstep.audit.keyproof import KeyProof, KeyRefused
from doorstep.crypto.keylist import SignedKeyList, verify_chain
from doorstep.crypto.keys import public_raw
from doorstep.errors import CryptoError
from doorstep.hub.app import create_app
from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.hub.actors import Actors
from tests.hub.keys.proofs import ProofChecker, key_id_of, label
from tests.lying_hub import LyingHub

ATTACKER = public_raw(X25519PrivateKey.generate().public_key())


@pytest.fixture
def lying(app: FastAPI) -> LyingHub:
    return LyingHub(app)


@pytest.fixture
async def liar(lying: LyingHub) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=lying, client=("198.51.100.8", 50000))
    async with AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


async def a_household(client: AsyncClient, actors: Actors) -> tuple[Any, Any, Any]:
    owner, member = actors.resident(), actors.resident()
    home_id, _ = actors.home(owner)
    actors.home_key(owner, home_id)
    added = await client.post(
        f"/v1/homes/{home_id}/members", json={"email": member.email}, headers=owner.headers
    )
    assert added.status_code == 201
    actors.user_key(member)
    actors.sign_key_list(owner, home_id)
    return owner, member, home_id


async def test_a_member_key_swapped_under_the_real_id(
    client: AsyncClient, liar: AsyncClient, lying: LyingHub, actors: Actors
) -> None:
    owner, member, home_id = await a_household(client, actors)
    path = f"/v1/homes/{home_id}/member-keys"

    def swap(page: dict[str, Any]) -> dict[str, Any]:
        for item in page["data"]:
            if item["user_id"] == str(member.user_id):
                item["public_key"] = b64(ATTACKER)  # key_id left as the member's real one
        return page

    lying.rewrite("GET", r"/v1/homes/[^/]+/member-keys", swap)
    for http, honest in ((client, True), (liar, False)):
        items = (await http.get(path, headers=owner.headers)).json()["data"]
        served = next(item for item in items if item["user_id"] == str(member.user_id))
        assert served["key_id"] == key_id_of(
            public_raw(actors.user_keys[member.user_id].public_key())
        )
        assert (key_id_of(base64.b64decode(served["public_key"])) == served["key_id"]) is honest
    assert lying.rewritten == [("GET", path)]


async def test_a_key_list_with_a_broken_signature(
    client: AsyncClient, liar: AsyncClient, lying: LyingHub, actors: Actors
) -> None:
    owner, _, home_id = await a_household(client, actors)

    def break_newest(page: dict[str, Any]) -> dict[str, Any]:
        signature = bytearray(base64.b64decode(page["data"][-1]["signature"]))
        signature[0] ^= 0x80
        page["data"][-1]["signature"] = b64(bytes(signature))
        return page

    lying.rewrite("GET", r"/v1/homes/[^/]+/key-lists", break_newest)
    path = f"/v1/homes/{home_id}/key-lists"
    honest = (await client.get(path, headers=owner.headers)).json()["data"]
    lists = [SignedKeyList.from_json(item) for item in honest]
    assert verify_chain(lists, home_id=home_id, pinned=None).version == 2
    lied = (await liar.get(path, headers=owner.headers)).json()["data"]
    with pytest.raises(CryptoError, match="signature does not verify"):
        verify_chain([SignedKeyList.from_json(item) for item in lied], home_id=home_id, pinned=None)


async def test_a_proof_removed_or_pointing_at_another_entry(
    client: AsyncClient,
    liar: AsyncClient,
    lying: LyingHub,
    actors: Actors,
    hub: HubState,
    tmp_path: Path,
) -> None:
    owner, member, home_id = await a_household(client, actors)
    path = f"/v1/homes/{home_id}/member-keys"
    honest = (await client.get(path, headers=owner.headers)).json()["data"]
    proofs = {item["user_id"]: item["proof"] for item in honest}

    def member_expectation(item: dict[str, Any]) -> dict[str, str]:
        return {
            "label": label("user", item["user_id"]),
            "key_id": key_id_of(base64.b64decode(item["public_key"])),
        }

    checker = ProofChecker(client, hub, tmp_path)
    for item in honest:
        objects = member_expectation(item)
        await checker.check(item["proof"], action="user_key.published", objects=objects)

    def drop_proofs(page: dict[str, Any]) -> dict[str, Any]:
        for item in page["data"]:
            item["proof"] = None
        return page

    lying.rewrite("GET", r"/v1/homes/[^/]+/member-keys", drop_proofs)
    for item in (await liar.get(path, headers=owner.headers)).json()["data"]:
        with pytest.raises(KeyRefused, match="no inclusion proof"):
            KeyProof.from_json(item["proof"])

    def cross_proofs(page: dict[str, Any]) -> dict[str, Any]:
        for item in page["data"]:
            other = str(owner.user_id if item["user_id"] == str(member.user_id) else member.user_id)
            item["proof"] = proofs[other]  # a valid proof, of the other member's entry
        return page

    lying.reset()
    lying.rewrite("GET", r"/v1/homes/[^/]+/member-keys", cross_proofs)
    for item in (await liar.get(path, headers=owner.headers)).json()["data"]:
        with pytest.raises(KeyRefused, match="says label is"):
            await checker.check(
                item["proof"], action="user_key.published", objects=member_expectation(item)
            )


def test_the_lying_hub_serves_over_tcp(settings: Settings) -> None:
    lying = LyingHub(create_app(settings))
    with lying.serve(lifespan=True) as (_, url):
        honest = httpx.get(f"{url}/v1/audit/key").json()
        lying.rewrite("GET", "/v1/audit/key", lambda key: {**key, "vkey": "another key"})
        lied = httpx.get(f"{url}/v1/audit/key")
        assert lied.json() == {**honest, "vkey": "another key"}
        assert int(lied.headers["content-length"]) == len(lied.content)
        assert httpx.get(f"{url}/v1/audit/checkpoints").status_code == 200
        assert lying.rewritten == [("GET", "/v1/audit/key")]
        lying.reset()
        assert httpx.get(f"{url}/v1/audit/key").json() == honest
