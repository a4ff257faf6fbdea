"""Key proofs under a busy log: checkpoints signed every few milliseconds by the hub's
timer while residents publish and read their keys at once, on both backends. Every
proof must prove its entry: its checkpoint covers the entry, and is signed for the size
it is stored under."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from httpx import AsyncClient

from doorstep.settings import Settings
from tests.hub.actors import Actor, Actors
from tests.hub.keys.bodies import key_body


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"audit_checkpoint_interval_s": 0.005})


def checkpoint_size(note: str) -> int:
    return int(note.split("\n")[1])


async def test_every_proof_covers_its_entry_while_checkpoints_are_signed_meanwhile(
    client: AsyncClient, actors: Actors
) -> None:
    residents = [actors.resident() for _ in range(6)]

    async def publish_and_read(resident: Actor) -> list[dict[str, Any]]:
        proofs: list[dict[str, Any]] = []
        for _ in range(4):
            body = key_body(X25519PrivateKey.generate())
            put = await client.put("/v1/me/key", json=body, headers=resident.headers)
            assert put.status_code == 200, put.text
            got = await client.get("/v1/me/key", headers=resident.headers)
            assert got.status_code == 200, got.text
            proofs += [put.json()["proof"], got.json()["proof"]]
        return proofs

    batches = await asyncio.gather(*(publish_and_read(r) for r in residents))
    proofs = [proof for batch in batches for proof in batch]
    assert len(proofs) == 48
    short = [
        (proof["index"], checkpoint_size(proof["checkpoint"]))
        for proof in proofs
        if checkpoint_size(proof["checkpoint"]) <= proof["index"]
    ]
    assert short == []
    assert len({checkpoint_size(proof["checkpoint"]) for proof in proofs}) > 1
