"""Checking a key proof a hub served, the way a client does (``audit/keyproof.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from httpx import AsyncClient

from doorstep.audit.checkpoint import Checkpoint
from doorstep.audit.entries import ObjectValue
from doorstep.audit.keyproof import CheckpointMemory, KeyProof, check_key_proof


def _first_sight(old_size: int, new_size: int) -> list[bytes]:
    raise AssertionError("a fresh checkpoint memory needs no consistency proof")


async def checked_proof(
    client: AsyncClient,
    proof: Any,
    *,
    action: str,
    objects: Mapping[str, ObjectValue],
    memory_file: Path,
) -> Checkpoint:
    """The checkpoint proving ``proof``'s entry, checked against the hub's log key;
    KeyRefused when it doesn't check."""
    vkey = (await client.get("/v1/audit/key")).json()["vkey"]
    memory = CheckpointMemory(memory_file)
    return check_key_proof(
        KeyProof.from_json(proof),
        log_key=memory.log_key(vkey),
        action=action,
        objects=objects,
        memory=memory,
        consistency=_first_sight,
    )
