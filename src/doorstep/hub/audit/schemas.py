"""Audit log schemas: everything here is public."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from doorstep.hub.schemas import Base64Bytes, PublicModel


class LogKeyPublic(PublicModel):
    origin: str = Field(description="The log's name, the first line of every checkpoint.")
    vkey: str = Field(description="C2SP signed-note verifier key: name+hash+base64(0x01‖key).")


class CheckpointPublic(PublicModel):
    size: int
    root: Base64Bytes
    note: str = Field(description="The C2SP tlog-checkpoint signed note, verbatim.")
    created_at: datetime


class InclusionProof(PublicModel):
    index: int
    size: int
    leaf_hash: Base64Bytes
    proof: list[Base64Bytes] = Field(description="RFC 9162 §2.1.3 audit path, bottom up.")


class ConsistencyProof(PublicModel):
    old_size: int
    new_size: int
    proof: list[Base64Bytes] = Field(description="RFC 9162 §2.1.4 consistency proof.")


class EntryPublic(PublicModel):
    index: int
    entry: dict[str, Any] = Field(
        description="The public form; its canonical JSON (sorted keys, no spaces, UTF-8) is "
        "the leaf's content."
    )
    leaf_hash: Base64Bytes = Field(description="SHA-256(0x00 ‖ entry), as the log recorded it.")


class KeyProof(PublicModel):
    """Proof that the entry logging a key binding is in the hub's newest checkpoint."""

    index: int = Field(description="The entry's index in the log.")
    entry: str = Field(description="The entry's canonical public JSON: the leaf's content.")
    checkpoint: str = Field(description="The newest checkpoint's signed note, verbatim.")
    inclusion: list[Base64Bytes] = Field(
        description="RFC 9162 §2.1.3 audit path of SHA-256(0x00 ‖ entry) at index in that "
        "checkpoint's tree, bottom up."
    )
