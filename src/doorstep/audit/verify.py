"""Replay a whole audit log: recompute the tree, check every checkpoint against it.

The log's entries are read in order; after each checkpoint's size the recomputed root
must equal the checkpoint's, every checkpoint's signature must verify with the log
key, and each checkpoint must be consistent with the one before (which the recomputed
tree shows directly, since both roots come from the same entries). The first problem
stops the replay with an error naming the entry index or checkpoint size.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, CheckpointError, LogKey, open_checkpoint
from doorstep.audit.entries import canonical_json
from doorstep.errors import DoorstepError

PROGRESS_EVERY = 1000  # entries between progress reports
CHUNK = 4096  # entries checked and hashed at a time
PARALLEL_FROM = 100_000  # entries: below this, starting worker processes costs more
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


def default_workers(size: int) -> int:
    """Processes that check and hash entries for a log of ``size``: one per CPU if long."""
    return min(os.cpu_count() or 1, 8) if size >= PARALLEL_FROM else 1


def _check_chunk(chunk: list[tuple[int, bytes]]) -> tuple[list[bytes], str | None]:
    """Leaf hashes of canonical entries, up to the first that isn't (and what is wrong)."""
    leaves: list[bytes] = []
    for index, public in chunk:
        try:
            check_entry(index, public)
        except LogVerificationFailed as exc:
            return leaves, exc.detail
        leaves.append(merkle.leaf_hash(public))
    return leaves, None


def _chunks(entries: Iterable[LogEntry]) -> Iterator[list[LogEntry]]:
    iterator = iter(entries)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


def _checked(
    chunk: list[LogEntry], expected: int, result: tuple[list[bytes], str | None]
) -> Iterator[tuple[int, bytes]]:
    """The chunk's (index, leaf hash) in order, raising at the first problem."""
    leaves, problem = result
    for position, (index, _, recorded) in enumerate(chunk):
        if index != expected + position:
            raise LogVerificationFailed(
                f"entry {expected + position} is missing (the next is {index})"
            )
        if position == len(leaves):
            raise LogVerificationFailed(problem or f"entry {index} was not checked")
        leaf = leaves[position]
        if recorded is not None and recorded != leaf:
            raise LogVerificationFailed(
                f"entry {index} differs from the leaf hash the log recorded for it: "
                "it was changed after it was appended"
            )
        yield index, leaf


def _leaf_hashes(entries: Iterable[LogEntry], workers: int) -> Iterator[tuple[int, bytes]]:
    """Each entry's leaf hash, in order, once its index and canonical form are checked.

    With ``workers`` > 1 the checking and hashing runs in that many processes, a few
    chunks ahead of the tree, which stays in this one.
    """
    if workers <= 1:
        expected = 0
        for chunk in _chunks(entries):
            yield from _checked(chunk, expected, _check_chunk([(i, p) for i, p, _ in chunk]))
            expected += len(chunk)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        ahead: deque[tuple[list[LogEntry], Future[tuple[list[bytes], str | None]]]] = deque()
        expected = 0

        def settle(keep: int) -> Iterator[tuple[int, bytes]]:
            nonlocal expected
            while len(ahead) > keep:
                chunk, checked = ahead.popleft()
                yield from _checked(chunk, expected, checked.result())
                expected += len(chunk)

        for chunk in _chunks(entries):
            ahead.append((chunk, pool.submit(_check_chunk, [(i, p) for i, p, _ in chunk])))
            yield from settle(2 * workers)
        yield from settle(0)


def verify_log(
    entries: Iterable[LogEntry],
    checkpoints: Iterable[str],
    *,
    key: LogKey,
    origin: str,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> VerifiedLog:
    """Replay ``entries`` against signed ``checkpoints`` (notes).

    Each entry is (index, public bytes, the leaf hash the log recorded or None); a
    recorded leaf hash lets the replay name the entry that was changed. ``workers``
    processes check and hash entries for a long log (see :func:`_leaf_hashes`).
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
    for _, leaf in _leaf_hashes(entries, workers):
        builder.append(leaf)
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
