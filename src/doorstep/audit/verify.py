"""Replay a whole audit log: recompute the tree, check every checkpoint against it.

The log's entries are read in order; after each checkpoint's size the recomputed root
must equal the checkpoint's, every checkpoint's signature must verify with the log
key, and each checkpoint must be consistent with the one before (which the recomputed
tree shows directly, since both roots come from the same entries). The first problem
stops the replay with an error naming the entry index or checkpoint size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, CheckpointError, LogKey, open_checkpoint
from doorstep.audit.entries import canonical_json
from doorstep.errors import DoorstepError

PROGRESS_EVERY = 1000  # entries between progress reports
LogEntry = tuple[int, bytes, bytes | None]
"""(index, public bytes, the leaf hash the log recorded for it or None)."""


class LogVerificationFailed(DoorstepError):
    code = "log_verification_failed"


@dataclass(frozen=True)
class VerifiedLog:
    size: int
    root: bytes
    checkpoints: int


def check_entry(index: int, public: bytes) -> None:
    """An entry must be canonical JSON: otherwise two encodings could hash differently."""
    try:
        parsed = json.loads(public.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LogVerificationFailed(f"entry {index} is not UTF-8 JSON") from exc
    if canonical_json(parsed) != public:
        raise LogVerificationFailed(f"entry {index} is not in canonical JSON form")


def verify_log(
    entries: Iterable[LogEntry],
    checkpoints: Iterable[str],
    *,
    key: LogKey,
    origin: str,
    progress: Callable[[int], None] | None = None,
) -> VerifiedLog:
    """Replay ``entries`` against signed ``checkpoints`` (notes).

    Each entry is (index, public bytes, the leaf hash the log recorded or None); a
    recorded leaf hash lets the replay name the entry that was changed.
    """
    opened: list[Checkpoint] = []
    for note in checkpoints:
        try:
            opened.append(open_checkpoint(note, key=key, origin=origin))
        except CheckpointError as exc:
            raise LogVerificationFailed(f"checkpoint: {exc.detail}") from exc
    opened.sort(key=lambda c: c.size)
    pending = list(opened)
    builder = merkle.TreeBuilder()
    expected = 0
    for index, public, recorded in entries:
        if index != expected:
            raise LogVerificationFailed(f"entry {expected} is missing (the next is {index})")
        check_entry(index, public)
        leaf = merkle.leaf_hash(public)
        if recorded is not None and recorded != leaf:
            raise LogVerificationFailed(
                f"entry {index} differs from the leaf hash the log recorded for it: "
                "it was changed after it was appended"
            )
        builder.append(leaf)
        expected += 1
        while pending and pending[0].size == builder.size:
            checkpoint = pending.pop(0)
            if builder.root() != checkpoint.root:
                raise LogVerificationFailed(
                    f"checkpoint at size {checkpoint.size}: its root differs from the tree "
                    f"the entries give (an entry at index < {checkpoint.size} was changed)"
                )
        if progress is not None and builder.size % PROGRESS_EVERY == 0:
            progress(builder.size)
    if progress is not None:
        progress(builder.size)
    if pending:
        raise LogVerificationFailed(
            f"checkpoint at size {pending[0].size} covers entries the log no longer has "
            f"(it has {builder.size}): the log was truncated or rolled back"
        )
    root = builder.root() if builder.size else merkle.empty_root()
    return VerifiedLog(size=builder.size, root=root, checkpoints=len(opened))
