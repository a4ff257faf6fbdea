"""Follow the audit log from where a client stopped, and pick out the key entries it watches.

A client keeps how far it has checked the log: the size and the Merkle tree's right
edge (:class:`LogPosition`). Each time it reads the entries from there up to a signed
checkpoint's size, checks each is canonical, appends its leaf hash and compares the
root with the checkpoint's, so an entry the hub changed, dropped or served twice is
found without replaying the whole log again. On the way it keeps the key entries
(:data:`KEY_ACTIONS`) whose ``label`` (:func:`doorstep.audit.entries.key_label`) or
``key_id`` is one it watches.

The scan is O(n) in the log: every client reads every entry once (docs/security.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doorstep.audit import merkle
from doorstep.audit.checkpoint import Checkpoint, CheckpointError, LogKey, open_checkpoint
from doorstep.audit.entries import ObjectValue, canonical_json
from doorstep.audit.keyproof import CheckpointMemory
from doorstep.audit.verify import LogVerificationFailed, check_entry
from doorstep.durable import write_atomically
from doorstep.errors import ConfigurationError

KEY_ACTIONS = frozenset(
    {"user_key.published", "home_keys.signed", "device.paired", "agency.key_published"}
)
PAGE = 1000  # entries a request: the hub's largest page
Get = Callable[..., Any]
"""``get(path, **params)``: the JSON the hub answers for a GET."""


def hub_entries(get: Get, *, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
    """The log's entries from ``start``: (index, canonical public JSON, recorded leaf hash)."""
    while True:
        page = get("/v1/audit/entries", start=start, limit=PAGE)["data"]
        for row in page:
            yield row["index"], canonical_json(row["entry"]), base64.b64decode(row["leaf_hash"])
        if len(page) < PAGE:
            return
        start = page[-1]["index"] + 1


def consistency_from(get: Get) -> Callable[[int, int], list[bytes]]:
    """The hub's consistency proofs, as :class:`CheckpointMemory` asks for them."""

    def consistency(old_size: int, new_size: int) -> list[bytes]:
        found = get("/v1/audit/proofs/consistency", old_size=old_size, new_size=new_size)
        return [base64.b64decode(h) for h in found["proof"]]

    return consistency


def newest_checkpoint(
    get: Get, *, log_key: LogKey, origin: str, memory: CheckpointMemory
) -> Checkpoint:
    """The hub's newest checkpoint, signed by ``log_key`` and consistent with ``memory``.

    KeyAlarm (from the memory) on a rollback or a fork; LogVerificationFailed when the
    checkpoint doesn't verify.
    """
    note = get("/v1/audit/checkpoint")["note"]
    try:
        checkpoint = open_checkpoint(note, key=log_key, origin=origin)
    except CheckpointError as exc:
        raise LogVerificationFailed(f"the latest checkpoint: {exc.detail}") from exc
    memory.observe(checkpoint, note, consistency_from(get))
    return checkpoint


@dataclass(frozen=True)
class KeyEntry:
    """A key entry of the log: where it is, when, what, and its public objects."""

    index: int
    at: str
    action: str
    objects: dict[str, ObjectValue]

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "at": self.at, "action": self.action, "objects": self.objects}

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> KeyEntry:
        return cls(record["index"], record["at"], record["action"], dict(record["objects"]))


@dataclass(frozen=True)
class LogPosition:
    """How far a client has checked the log: its size and the tree's right edge."""

    size: int = 0
    frontier: tuple[bytes, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "frontier": [base64.b64encode(h).decode() for h in self.frontier],
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> LogPosition:
        frontier = tuple(base64.b64decode(h) for h in record["frontier"])
        merkle.TreeBuilder.from_frontier(record["size"], frontier)  # checks the shape
        return cls(size=record["size"], frontier=frontier)


def follow(
    position: LogPosition,
    entries: Iterable[tuple[int, bytes, bytes | None]],
    *,
    checkpoint: Checkpoint,
    watched: Collection[str],
) -> tuple[LogPosition, list[KeyEntry]]:
    """Check ``entries`` from ``position`` up to ``checkpoint``; the key entries whose label
    or key id is in ``watched``.

    Raises :class:`LogVerificationFailed` naming the first problem: the checkpoint older
    than what was checked, an entry missing or not canonical, too few entries, or a root
    that differs from the checkpoint's.
    """
    if checkpoint.size < position.size:
        raise LogVerificationFailed(
            f"rollback: the checkpoint is at size {checkpoint.size}, but entries up to "
            f"{position.size} were checked already"
        )
    builder = merkle.TreeBuilder.from_frontier(position.size, position.frontier)
    found: list[KeyEntry] = []
    for index, public, _ in entries:
        if builder.size == checkpoint.size:
            break
        if index != builder.size:
            raise LogVerificationFailed(f"entry {builder.size} is missing (the next is {index})")
        check_entry(index, public)
        builder.append(merkle.leaf_hash(public))
        record = json.loads(public)
        objects = record.get("objects")
        if (
            record.get("action") in KEY_ACTIONS
            and isinstance(objects, dict)
            and _is_watched(objects, watched)
        ):
            found.append(KeyEntry(index, str(record.get("at")), record["action"], objects))
    if builder.size < checkpoint.size:
        raise LogVerificationFailed(
            f"the hub served entries up to {builder.size}, but its checkpoint covers "
            f"{checkpoint.size}"
        )
    if builder.root() != checkpoint.root:
        raise LogVerificationFailed(
            f"entries {position.size} to {checkpoint.size - 1} do not give the root of the "
            f"signed checkpoint at size {checkpoint.size}: the log was changed"
        )
    return LogPosition(builder.size, tuple(builder.frontier())), found


def _is_watched(objects: dict[str, ObjectValue], watched: Collection[str]) -> bool:
    return objects.get("label") in watched or objects.get("key_id") in watched


@dataclass
class FollowedLog:
    """What a watcher has checked and found, kept in one 0600 JSON file.

    ``checked`` is the size checked at the last call (None before the first): entries at
    or after it are new. ``watched`` are labels and key ids; when they grow, the log is
    read again from the start, so a newly watched one gets its whole history; ``checked``
    stays.
    """

    path: Path
    watched: frozenset[str] = frozenset()
    position: LogPosition = field(default_factory=LogPosition)
    entries: list[KeyEntry] = field(default_factory=list)
    checked: int | None = None

    @classmethod
    def load(cls, path: Path) -> FollowedLog:
        if not path.exists():
            return cls(path)
        try:
            record = json.loads(path.read_text())
            return cls(
                path,
                watched=frozenset(record["watched"]),
                position=LogPosition.from_json(record["position"]),
                entries=[KeyEntry.from_json(row) for row in record["entries"]],
                checked=record["position"]["size"],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"{path} is damaged; delete it to check the log again from the start"
            ) from exc

    def advance(
        self, get: Get, *, checkpoint: Checkpoint, watched: Collection[str]
    ) -> list[KeyEntry]:
        """Check the log up to ``checkpoint`` for ``watched``; the entries new since last time."""
        wanted = frozenset(watched)
        if not wanted <= self.watched:
            self.position, self.entries = LogPosition(), []
        position, found = follow(
            self.position,
            hub_entries(get, start=self.position.size),
            checkpoint=checkpoint,
            watched=wanted,
        )
        kept = [entry for entry in self.entries if _is_watched(entry.objects, wanted)]
        self.watched, self.position, self.entries = wanted, position, kept + found
        new = [e for e in self.entries if self.checked is not None and e.index >= self.checked]
        self.checked = position.size
        record = {
            "watched": sorted(self.watched),
            "position": self.position.to_json(),
            "entries": [entry.to_json() for entry in self.entries],
        }
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(record).encode(), mode=0o600)
        return new
