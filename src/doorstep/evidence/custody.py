"""The custody log a package or receipt carries: audit entries proven into a signed checkpoint.

Each entry is the public form of an audit log entry (canonical JSON, what the Merkle
tree hashes) with its RFC 9162 inclusion proof into the tree whose root the hub's
checkpoint signs. Anyone holding the hub's log key can check, offline, that every
entry is in the public log exactly as shown; ``doorstep audit verify`` checks the log
itself.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, CheckpointError, LogKey, open_checkpoint
from doorstep.audit.entries import canonical_json
from doorstep.evidence import EvidenceError

CHECK = "custody"


@dataclass(frozen=True)
class CustodyEntry:
    """Entry ``index`` of the log (its public bytes) and its audit path."""

    index: int
    entry: bytes
    proof: Sequence[bytes]


@dataclass(frozen=True)
class Custody:
    """Entries proven into one signed checkpoint (a C2SP signed note)."""

    checkpoint: str
    entries: Sequence[CustodyEntry]


@dataclass(frozen=True)
class VerifiedCustody:
    checkpoint: Checkpoint
    entries: list[dict[str, Any]]
    indexes: list[int]


def custody_data(custody: Custody) -> dict[str, Any]:
    """The JSON form: entries as their JSON text, proofs as base64 hashes."""
    return {
        "checkpoint": custody.checkpoint,
        "entries": [
            {
                "index": item.index,
                "entry": item.entry.decode("utf-8"),
                "proof": [base64.b64encode(node).decode("ascii") for node in item.proof],
            }
            for item in custody.entries
        ],
    }


def custody_json(custody: Custody) -> bytes:
    """``custody.json``: :func:`custody_data` as canonical JSON."""
    return canonical_json(custody_data(custody))


def open_custody(data: Any, log_key: LogKey, *, source: str = "custody.json") -> VerifiedCustody:
    """Check the checkpoint's signature and every entry's proof; EvidenceError names ``source``."""
    if not isinstance(data, Mapping):
        raise EvidenceError(source, CHECK, "is not a JSON object")
    note, entries = data.get("checkpoint"), data.get("entries")
    if not isinstance(note, str):
        raise EvidenceError(source, CHECK, "the checkpoint is missing or not a string")
    if not isinstance(entries, list):
        raise EvidenceError(source, CHECK, "the entries are missing or not a list")
    try:
        checkpoint = open_checkpoint(note, key=log_key)
    except CheckpointError as exc:
        raise EvidenceError(source, CHECK, f"the checkpoint: {exc.detail}") from exc
    parsed: list[dict[str, Any]] = []
    indexes: list[int] = []
    for position, item in enumerate(entries):
        index, public, proof = _entry_fields(item, source, position)
        try:
            merkle.verify_inclusion(
                leaf=merkle.leaf_hash(public),
                index=index,
                size=checkpoint.size,
                proof=proof,
                root=checkpoint.root,
            )
        except merkle.ProofError as exc:
            raise EvidenceError(
                source,
                CHECK,
                f"entry {index} is not proven into the checkpoint of size "
                f"{checkpoint.size}: {exc.detail}",
            ) from exc
        parsed.append(json.loads(public))
        indexes.append(index)
    return VerifiedCustody(checkpoint=checkpoint, entries=parsed, indexes=indexes)


def verify_custody(
    data: Mapping[str, Any], log_key: LogKey, *, source: str = "custody.json"
) -> list[dict[str, Any]]:
    """The public entries of ``data`` once every one is proven into its signed checkpoint."""
    return open_custody(data, log_key, source=source).entries


def _entry_fields(item: Any, source: str, position: int) -> tuple[int, bytes, list[bytes]]:
    where = f"entry #{position}"
    if not isinstance(item, Mapping):
        raise EvidenceError(source, CHECK, f"{where} is not a JSON object")
    index, text, proof = item.get("index"), item.get("entry"), item.get("proof")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise EvidenceError(source, CHECK, f"{where}: index is not a non-negative integer")
    if not isinstance(text, str):
        raise EvidenceError(source, CHECK, f"entry {index}: the entry is not a JSON string")
    try:
        public = text.encode("utf-8")
        value = json.loads(public)
    except (UnicodeEncodeError, ValueError) as exc:
        raise EvidenceError(source, CHECK, f"entry {index} is not JSON") from exc
    # Only the canonical form is what the log hashed; another encoding must not pass.
    try:
        canonical = canonical_json(value)
    except ValueError as exc:  # NaN or infinity
        raise EvidenceError(source, CHECK, f"entry {index} is not plain JSON") from exc
    if not isinstance(value, dict) or canonical != public:
        raise EvidenceError(source, CHECK, f"entry {index} is not a canonical JSON object")
    if not isinstance(proof, list) or not all(isinstance(node, str) for node in proof):
        raise EvidenceError(source, CHECK, f"entry {index}: the proof is not a list of strings")
    try:
        hashes = [base64.b64decode(node.encode("ascii"), validate=True) for node in proof]
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise EvidenceError(source, CHECK, f"entry {index}: a proof hash is not base64") from exc
    return index, public, hashes
