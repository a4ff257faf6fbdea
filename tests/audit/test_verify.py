"""Replaying a log finds the first problem by index, in one process or several."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, LogKey, generate_log_key, sign_checkpoint
from doorstep.audit.entries import public_entry
from doorstep.audit.verify import CHUNK, LogEntry, LogVerificationFailed, verify_log

ORIGIN = "test.doorstep.invalid/log"
SIZE = 3 * CHUNK + 5  # three full chunks and a short one


def make_log() -> tuple[list[LogEntry], list[str], LogKey]:
    at = datetime(2026, 11, 24, tzinfo=UTC)
    publics = [
        public_entry(at=at, action="test.entry", actor={"kind": "system"}, objects={"n": n})
        for n in range(SIZE)
    ]
    entries: list[LogEntry] = [(i, p, merkle.leaf_hash(p)) for i, p in enumerate(publics)]
    private_key, key = generate_log_key(ORIGIN)
    notes = [
        sign_checkpoint(
            Checkpoint(
                origin=ORIGIN, size=size, root=merkle.root_of([e[2] or b"" for e in entries[:size]])
            ),
            name=ORIGIN,
            private_key=private_key,
        )
        for size in (CHUNK, SIZE)
    ]
    return entries, notes, key


def replay(entries: list[LogEntry], notes: list[str], key: LogKey, workers: int) -> str:
    try:
        result = verify_log(entries, notes, key=key, origin=ORIGIN, workers=workers)
    except LogVerificationFailed as exc:
        return f"failed: {exc.detail}"
    return f"verified {result.size} entries, {result.checkpoints} checkpoints"


def broken(entries: list[LogEntry], problem: str) -> list[LogEntry]:
    changed = list(entries)
    if problem == "gap":
        del changed[5000]
    elif problem == "not canonical":
        index, public, recorded = changed[9000]
        changed[9000] = (index, public.replace(b":", b": ", 1), recorded)
    elif problem == "changed after it was appended":
        index, public, recorded = changed[7000]
        changed[7000] = (index, public.replace(b'"n":7000', b'"n":7001'), recorded)
    elif problem == "gap before a bad entry":
        index, public, recorded = changed[6000]
        changed[6000] = (index, b"not json", recorded)
        del changed[4000]
    elif problem == "last chunk":
        index, public, _ = changed[SIZE - 2]
        changed[SIZE - 2] = (index, public.replace(b"test", b"tost"), None)
    return changed


EXPECTED = {
    "healthy": f"verified {SIZE} entries, 2 checkpoints",
    "gap": "failed: entry 5000 is missing (the next is 5001)",
    "not canonical": "failed: entry 9000 is not in canonical JSON form",
    "changed after it was appended": "failed: entry 7000 differs from the leaf hash",
    "gap before a bad entry": "failed: entry 4000 is missing (the next is 4001)",
    "last chunk": f"failed: checkpoint at size {SIZE}: its root differs",
}


@pytest.mark.parametrize("problem", list(EXPECTED))
def test_one_process_and_two_find_the_same_first_problem(problem: str) -> None:
    entries, notes, key = make_log()
    changed = broken(entries, problem)

    alone, parallel = replay(changed, notes, key, 1), replay(changed, notes, key, 2)

    assert alone == parallel
    assert alone.startswith(EXPECTED[problem]), alone
