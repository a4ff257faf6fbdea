"""Checking a served key's proof as a client does, and the values a client expects in it.

The expected labels and ids are computed here from their definitions (docs/crypto-format.md),
not with the code under test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from httpx import AsyncClient

from doorstep.audit.checkpoint import Checkpoint, LogKey
from doorstep.audit.entries import ObjectValue
from doorstep.audit.keyproof import CheckpointMemory, KeyProof, check_key_proof
from doorstep.hub.audit.service import consistency_proof
from doorstep.hub.state import HubState


def label(kind: str, value: object) -> str:
    return hashlib.sha256(f"doorstep key label v1\0{kind}:{value}".encode()).hexdigest()[:32]


def key_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


class ProofChecker:
    """A client's view of the log: the log key from /v1/audit/key, pinned, and the newest
    checkpoint it saw (a file under ``directory``)."""

    def __init__(self, client: AsyncClient, hub: HubState, directory: Path) -> None:
        self.client = client
        self.hub = hub
        self.memory = CheckpointMemory(directory / "trust.json")
        self._log_key: LogKey | None = None

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        with self.hub.sessions() as session:
            return consistency_proof(session, old_size=old_size, new_size=new_size)

    async def check(
        self, served: Any, *, action: str, objects: Mapping[str, ObjectValue]
    ) -> Checkpoint:
        if self._log_key is None:
            vkey = (await self.client.get("/v1/audit/key")).json()["vkey"]
            self._log_key = self.memory.log_key(vkey)
        return check_key_proof(
            KeyProof.from_json(served),
            log_key=self._log_key,
            action=action,
            objects=objects,
            memory=self.memory,
            consistency=self.consistency,
        )
