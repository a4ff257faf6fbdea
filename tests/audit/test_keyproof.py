"""A client's check of a key's log entry: inclusion, signature, and the newest checkpoint."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, LogKey, sign_checkpoint
from doorstep.audit.entries import key_label, public_entry
from doorstep.audit.keyproof import (
    CheckpointMemory,
    KeyAlarm,
    KeyProof,
    KeyRefused,
    check_key_proof,
)

ORIGIN = "hub.example/audit"
USER = "d0000000-0000-4000-8000-000000000001"
KEY_ID = "0123456789abcdef0123456789abcdef"
ACTION = "user_key.published"
OBJECTS = {"label": key_label("user", USER), "key_id": KEY_ID}


class Log:
    """A log of entries with its Merkle nodes, signed by one key; no hub."""

    def __init__(self, private_key: Ed25519PrivateKey, *, salt: str = "") -> None:
        self.private_key = private_key
        self.key = LogKey(ORIGIN, private_key.public_key())
        self.entries: list[bytes] = []
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.tree = merkle.TreeBuilder()
        self.salt = salt

    def append(self, action: str, objects: dict[str, str | int]) -> int:
        at = datetime(2026, 12, 1, 12, len(self.entries), tzinfo=UTC)
        entry = public_entry(
            at=at, action=action, actor={"kind": "hub", "note": self.salt}, objects=objects
        )
        self.entries.append(entry)
        for level, index, digest in self.tree.append(merkle.leaf_hash(entry)):
            self.nodes[level, index] = digest
        return len(self.entries) - 1

    def fill(self, count: int) -> None:
        for n in range(count):
            self.append("home.created", {"n": n})

    def note(self, size: int) -> str:
        leaves = [merkle.leaf_hash(e) for e in self.entries[:size]]
        checkpoint = Checkpoint(ORIGIN, size, merkle.root_of(leaves))
        return sign_checkpoint(checkpoint, name=ORIGIN, private_key=self.private_key)

    def proof(self, index: int, size: int | None = None) -> KeyProof:
        size = len(self.entries) if size is None else size
        inclusion = merkle.inclusion_proof(index, size, lambda lv, i: self.nodes[lv, i])
        return KeyProof(index, self.entries[index], self.note(size), tuple(inclusion))

    def consistency(self, old: int, new: int) -> list[bytes]:
        return merkle.consistency_proof(old, new, lambda lv, i: self.nodes[lv, i])


LOG_PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)


@pytest.fixture
def log() -> Log:
    log = Log(LOG_PRIVATE)
    log.fill(5)
    log.append(ACTION, OBJECTS)  # index 5
    log.fill(3)
    return log


@pytest.fixture
def memory(tmp_path: Path) -> CheckpointMemory:
    return CheckpointMemory(tmp_path / "trust" / "hub.json")


def _check(log: Log, proof: KeyProof, memory: CheckpointMemory, **changes: object) -> Checkpoint:
    arguments: dict[str, object] = {
        "log_key": log.key,
        "action": ACTION,
        "objects": OBJECTS,
        "memory": memory,
        "consistency": log.consistency,
    }
    arguments.update(changes)
    return check_key_proof(proof, **arguments)  # type: ignore[arg-type]


def test_a_valid_proof_is_accepted_and_its_checkpoint_kept(
    log: Log, memory: CheckpointMemory
) -> None:
    checkpoint = _check(log, log.proof(5), memory)
    assert checkpoint.size == 9
    assert memory.newest() == checkpoint
    assert stat.S_IMODE(memory.path.stat().st_mode) == 0o600
    assert json.loads(memory.path.read_text())["checkpoint"] == log.note(9)


def test_the_proof_travels_as_json(log: Log, memory: CheckpointMemory) -> None:
    record = json.loads(json.dumps(log.proof(5).to_json()))
    assert KeyProof.from_json(record) == log.proof(5)
    assert _check(log, KeyProof.from_json(record), memory).size == 9


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (None, "has no inclusion proof"),
        ({"index": 1}, "has no inclusion proof"),
        ({"index": -1, "entry": "{}", "checkpoint": "x", "inclusion": []}, "no valid index"),
        ({"index": True, "entry": "{}", "checkpoint": "x", "inclusion": []}, "no valid index"),
        ({"index": 1, "entry": 5, "checkpoint": "x", "inclusion": []}, "must be text"),
        ({"index": 1, "entry": "{}", "checkpoint": "x", "inclusion": "a"}, "list of base64"),
        ({"index": 1, "entry": "{}", "checkpoint": "x", "inclusion": ["%%"]}, "not base64"),
    ],
)
def test_a_missing_or_malformed_proof_is_refused(record: object, reason: str) -> None:
    with pytest.raises(KeyRefused, match=reason):
        KeyProof.from_json(record)


def _tampered(proof: KeyProof) -> KeyProof:
    first = bytes([proof.inclusion[0][0] ^ 1]) + proof.inclusion[0][1:]
    return KeyProof(proof.index, proof.entry, proof.checkpoint, (first, *proof.inclusion[1:]))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("wrong index", "is not in the log"),
        ("tampered inclusion hash", "is not in the log"),
        ("another action", "is 'user_key.published', not 'device.paired'"),
        ("another key id", "says key_id is"),
        ("another label", "says label is"),
        ("an int for a bool", "says version is 1, not True"),
        ("entry not in the log", "is not in the log"),
        ("checkpoint by another key", "the key's checkpoint: no signature by"),
        ("not an entry", "is not JSON"),
        ("nested too deep", "is not JSON"),
    ],
)
def test_a_wrong_proof_is_refused(
    log: Log, memory: CheckpointMemory, change: str, reason: str
) -> None:
    proof, expect = log.proof(5), dict(OBJECTS)
    action = ACTION
    if change == "wrong index":
        proof = KeyProof(4, proof.entry, proof.checkpoint, proof.inclusion)
    elif change == "tampered inclusion hash":
        proof = _tampered(proof)
    elif change == "another action":
        action = "device.paired"
    elif change == "another key id":
        expect["key_id"] = "f" * 32
    elif change == "another label":
        expect["label"] = key_label("user", "d0000000-0000-4000-8000-000000000002")
    elif change == "an int for a bool":
        proof = log.proof(log.append(ACTION, {**OBJECTS, "version": 1}))
        expect["version"] = True  # type: ignore[assignment]
    elif change == "entry not in the log":
        forged = proof.entry.replace(KEY_ID.encode(), b"f" * 32)
        proof, expect["key_id"] = KeyProof(5, forged, proof.checkpoint, proof.inclusion), "f" * 32
    elif change == "checkpoint by another key":
        other = Log(Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32))
        other.entries, other.nodes = log.entries, log.nodes
        proof = KeyProof(5, proof.entry, other.note(9), proof.inclusion)
    elif change == "not an entry":
        proof = KeyProof(5, b"\xff", proof.checkpoint, proof.inclusion)
    elif change == "nested too deep":
        proof = KeyProof(5, b"[" * 100_000, proof.checkpoint, proof.inclusion)
    with pytest.raises(KeyRefused, match=reason) as raised:
        _check(log, proof, memory, action=action, objects=expect)
    assert not isinstance(raised.value, KeyAlarm)
    assert memory.newest() is None


def test_a_newer_checkpoint_is_checked_for_consistency_and_kept(
    log: Log, memory: CheckpointMemory
) -> None:
    _check(log, log.proof(5, 6), memory)
    assert memory.newest().size == 6  # type: ignore[union-attr]
    asked: list[tuple[int, int]] = []

    def consistency(old: int, new: int) -> list[bytes]:
        asked.append((old, new))
        return log.consistency(old, new)

    assert _check(log, log.proof(5), memory, consistency=consistency).size == 9
    assert asked == [(6, 9)]
    assert memory.newest().size == 9  # type: ignore[union-attr]


def test_an_older_checkpoint_is_a_rollback_alarm(log: Log, memory: CheckpointMemory) -> None:
    _check(log, log.proof(5), memory)
    with pytest.raises(KeyAlarm, match="rollback: the log is at size 7, but it was at 9"):
        _check(log, log.proof(5, 7), memory)
    assert memory.newest().size == 9  # type: ignore[union-attr]


def test_the_same_size_with_another_root_is_a_fork_alarm(
    log: Log, memory: CheckpointMemory
) -> None:
    _check(log, log.proof(5), memory)
    forked = Log(LOG_PRIVATE, salt="fork")
    forked.fill(5)
    forked.append(ACTION, OBJECTS)
    forked.fill(3)
    with pytest.raises(KeyAlarm, match="fork: two different roots for size 9"):
        _check(forked, forked.proof(5), memory)


def test_a_newer_checkpoint_that_does_not_extend_is_a_fork_alarm(
    log: Log, memory: CheckpointMemory
) -> None:
    _check(log, log.proof(5, 7), memory)
    forked = Log(LOG_PRIVATE, salt="fork")
    forked.fill(5)
    forked.append(ACTION, OBJECTS)
    forked.fill(3)
    with pytest.raises(KeyAlarm, match="fork: size 9 does not extend size 7"):
        _check(forked, forked.proof(5), memory)
    assert memory.newest().size == 7  # type: ignore[union-attr]


def test_a_bad_consistency_proof_is_a_fork_alarm(log: Log, memory: CheckpointMemory) -> None:
    _check(log, log.proof(5, 6), memory)

    def lying(old: int, new: int) -> list[bytes]:
        return [bytes(32) for _ in log.consistency(old, new)]

    with pytest.raises(KeyAlarm, match="fork: size 9 does not extend size 6"):
        _check(log, log.proof(5), memory, consistency=lying)


def test_the_log_key_is_pinned_and_a_change_is_an_alarm(memory: CheckpointMemory) -> None:
    first = LogKey(ORIGIN, LOG_PRIVATE.public_key()).vkey()
    other = LogKey(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32).public_key())
    assert memory.log_key(first).vkey() == first
    assert memory.log_key(first).vkey() == first
    with pytest.raises(KeyAlarm, match="the log key changed"):
        memory.log_key(other.vkey())
    assert json.loads(memory.path.read_text())["log_vkey"] == first
    assert stat.S_IMODE(memory.path.stat().st_mode) == 0o600


def test_a_malformed_log_key_is_refused(memory: CheckpointMemory) -> None:
    with pytest.raises(KeyRefused, match="the hub's log key"):
        memory.log_key("not a key")
    assert not memory.path.exists()


def test_the_memory_keeps_other_fields_of_its_file(log: Log, tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(json.dumps({"home_id": "h", "key_list": None}))
    memory = CheckpointMemory(path)
    memory.log_key(log.key.vkey())
    _check(log, log.proof(5), memory)
    record = json.loads(path.read_text())
    assert record["home_id"] == "h"
    assert record["log_vkey"] == log.key.vkey()
    assert base64.b64encode(memory.newest().root).decode() in record["checkpoint"]  # type: ignore[union-attr]


def test_key_labels_are_as_documented() -> None:
    # SHA-256("doorstep key label v1\0home:<id>"), first 32 hex digits, worked out by hand.
    home = "11111111-2222-3333-4444-555555555555"
    assert key_label("home", home) == "931043713416cb0f3dd07a2b1c4d0521"
    assert key_label("device", home) != key_label("home", home)
