"""Checking that a key the hub serves is in the audit log, as a client does.

A route that serves a key also serves a :class:`KeyProof`: the index of the log entry
that binds the key, the entry itself, a signed checkpoint and the inclusion proof of
the entry in that checkpoint's tree. The client checks the entry says what it was
told, the checkpoint's signature and the proof, and that the checkpoint extends the
newest one it has seen (:class:`CheckpointMemory`): a rollback or a fork is an alarm,
as in ``doorstep audit watch``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doorstep.audit import merkle
from doorstep.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    LogKey,
    open_checkpoint,
    parse_checkpoint,
)
from doorstep.audit.entries import ObjectValue
from doorstep.durable import write_atomically
from doorstep.errors import DoorstepError

Consistency = Callable[[int, int], list[bytes]]
"""``consistency(old_size, new_size)`` fetches the hashes of a consistency proof."""


class KeyRefused(DoorstepError):
    """A key without a proof, with a wrong one, or not the key the log binds."""

    code = "key_refused"


class KeyAlarm(KeyRefused):
    """The log the hub shows rolled back, forked, or is signed by another key."""

    code = "key_alarm"


@dataclass(frozen=True)
class KeyProof:
    index: int
    entry: bytes
    checkpoint: str
    inclusion: tuple[bytes, ...]

    @classmethod
    def from_json(cls, record: object) -> KeyProof:
        """The proof a route served; KeyRefused if it is missing or malformed."""
        if record is None:
            raise KeyRefused("the key has no inclusion proof")
        if not isinstance(record, Mapping) or set(record) != {
            "index",
            "entry",
            "checkpoint",
            "inclusion",
        }:
            raise KeyRefused(
                "the key has no inclusion proof: the proof is not an object of "
                "index, entry, checkpoint and inclusion"
            )
        index, entry, note, inclusion = (
            record["index"],
            record["entry"],
            record["checkpoint"],
            record["inclusion"],
        )
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise KeyRefused("the key's proof has no valid index")
        if not isinstance(entry, str) or not isinstance(note, str):
            raise KeyRefused("the key's proof: entry and checkpoint must be text")
        if not isinstance(inclusion, list):
            raise KeyRefused("the key's proof: inclusion must be a list of base64 hashes")
        try:
            hashes = tuple(base64.b64decode(h, validate=True) for h in inclusion)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise KeyRefused("the key's proof: an inclusion hash is not base64") from exc
        return cls(index=index, entry=entry.encode("utf-8"), checkpoint=note, inclusion=hashes)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "entry": self.entry.decode("utf-8"),
            "checkpoint": self.checkpoint,
            "inclusion": [base64.b64encode(h).decode("ascii") for h in self.inclusion],
        }


class CheckpointMemory:
    """The newest checkpoint seen and the pinned log key, in one 0600 JSON file.

    The file is a JSON object; this class owns two of its fields, ``log_vkey`` (the
    pinned verifier key) and ``checkpoint`` (the newest signed checkpoint, kept whole so
    it can be shown to anyone), and keeps any others as they are (the edge keeps its
    ``data/trust.json`` this way).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            record = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise KeyRefused(f"can't read the checkpoint memory {self.path}: {exc}") from exc
        if not isinstance(record, dict):
            raise KeyRefused(f"the checkpoint memory {self.path} is not a JSON object")
        return record

    def _update(self, **fields: str) -> None:
        record = {**self._read(), **fields}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(record, indent=2).encode(), mode=0o600)

    def log_key(self, served_vkey: str) -> LogKey:
        """The pinned log key; pins ``served_vkey`` the first time. KeyAlarm if it changed."""
        pinned = self._read().get("log_vkey")
        if pinned is None:
            try:
                key = LogKey.from_vkey(served_vkey)
            except CheckpointError as exc:
                raise KeyRefused(f"the hub's log key: {exc.detail}") from exc
            self._update(log_vkey=served_vkey)
            return key
        if served_vkey != pinned:
            raise KeyAlarm(f"the log key changed: the hub serves {served_vkey}, pinned {pinned}")
        return LogKey.from_vkey(pinned)

    def newest(self) -> Checkpoint | None:
        note = self._read().get("checkpoint")
        if note is None:
            return None
        text, _, _ = note.rpartition("\n\n")
        return parse_checkpoint(text + "\n")

    def observe(self, checkpoint: Checkpoint, note: str, consistency: Consistency) -> None:
        """Keep ``checkpoint`` (signed note ``note``) if it extends the newest one seen."""
        old = self.newest()
        if old is not None:
            if checkpoint.size < old.size:
                raise KeyAlarm(
                    f"rollback: the log is at size {checkpoint.size}, but it was at {old.size}"
                )
            if checkpoint.size == old.size:
                if checkpoint.root != old.root:
                    raise KeyAlarm(f"fork: two different roots for size {old.size}")
                return
            try:
                merkle.verify_consistency(
                    old_size=old.size,
                    new_size=checkpoint.size,
                    old_root=old.root,
                    new_root=checkpoint.root,
                    proof=consistency(old.size, checkpoint.size),
                )
            except merkle.ProofError as exc:
                raise KeyAlarm(
                    f"fork: size {checkpoint.size} does not extend size {old.size}: {exc.detail}"
                ) from exc
        self._update(checkpoint=note)


def check_key_proof(
    proof: KeyProof,
    *,
    log_key: LogKey,
    action: str,
    objects: Mapping[str, ObjectValue],
    memory: CheckpointMemory,
    consistency: Consistency,
) -> Checkpoint:
    """The checkpoint that proves the entry binding the key; KeyRefused naming what failed.

    The entry's action must be ``action`` and its objects hold ``objects`` (equal
    values); the checkpoint must be signed by ``log_key``, the entry included in it at
    ``proof.index``, and the checkpoint must extend the newest one ``memory`` saw.
    """
    try:
        entry = json.loads(proof.entry.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise KeyRefused("the key's log entry is not JSON") from exc
    if not isinstance(entry, dict):
        raise KeyRefused("the key's log entry is not a JSON object")
    if entry.get("action") != action:
        raise KeyRefused(f"the key's log entry is {entry.get('action')!r}, not {action!r}")
    logged = entry.get("objects")
    if not isinstance(logged, dict):
        raise KeyRefused("the key's log entry has no objects")
    for name, value in objects.items():
        if name not in logged or logged[name] != value or type(logged[name]) is not type(value):
            raise KeyRefused(
                f"the key's log entry says {name} is {logged.get(name)!r}, not {value!r}"
            )
    try:
        checkpoint = open_checkpoint(proof.checkpoint, key=log_key, origin=log_key.name)
    except CheckpointError as exc:
        raise KeyRefused(f"the key's checkpoint: {exc.detail}") from exc
    try:
        merkle.verify_inclusion(
            leaf=merkle.leaf_hash(proof.entry),
            index=proof.index,
            size=checkpoint.size,
            proof=proof.inclusion,
            root=checkpoint.root,
        )
    except merkle.ProofError as exc:
        raise KeyRefused(f"the key's log entry is not in the log: {exc.detail}") from exc
    memory.observe(checkpoint, proof.checkpoint, consistency)
    return checkpoint
