"""The durable outbox: every event's parts are on disk, fsynced and recorded, before upload.

Parts are files under ``<dir>/items/<id>/``; a SQLite database beside them records
each item and which parts the hub has confirmed. Files are written to a temporary
name, fsynced and renamed before the row is committed, so after a crash an item is
either complete or absent (stray directories without a row are removed on open).

A local copy is never deleted before the hub confirmed the whole item. When the
outbox is over its quota, the oldest confirmed items are evicted first; unconfirmed
ones are kept and a warning is raised instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from doorstep.durable import fsync_directory, write_atomically
from doorstep.errors import NotFound

logger = logging.getLogger("doorstep.edge.outbox")

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'uploaded', 'rejected', 'evicted')),
    bytes INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    keys TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    uploaded_at TEXT
);
CREATE INDEX IF NOT EXISTS items_state_created ON items (state, created_at);
CREATE TABLE IF NOT EXISTS parts (
    item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, name)
);
"""


@dataclass(frozen=True)
class OutboxPart:
    name: str
    path: Path
    size: int
    sha256: str
    uploaded: bool


@dataclass(frozen=True)
class WrappedKey:
    """The event's content key wrapped to a recipient (the home key), sent with the commit.

    ``scope`` says which key: the event's own (``clip``), or its blurred twin's (``twin``).
    """

    recipient_key_id: str
    wrapped_key: bytes
    scope: str = "clip"


@dataclass(frozen=True)
class OutboxItem:
    id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime
    state: str
    attempts: int
    parts: tuple[OutboxPart, ...]
    keys: tuple[WrappedKey, ...] = ()

    @property
    def size(self) -> int:
        return sum(part.size for part in self.parts)


@dataclass(frozen=True)
class OutboxUsage:
    total_bytes: int
    pending_bytes: int
    pending_items: int
    over_quota: bool


class Outbox:
    def __init__(self, directory: Path, *, quota_bytes: int) -> None:
        self.directory = directory
        self.items_dir = directory / "items"
        self.items_dir.mkdir(parents=True, exist_ok=True)
        self.quota_bytes = quota_bytes
        self._lock = threading.Lock()
        self._db = sqlite3.connect(directory / "outbox.db", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(items)")}
        if "keys" not in columns:  # an outbox made before clips were end-to-end encrypted
            self._db.execute("ALTER TABLE items ADD COLUMN keys TEXT NOT NULL DEFAULT '[]'")
        self._remove_strays()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(
        self,
        *,
        camera_id: uuid.UUID,
        started_at: datetime,
        ended_at: datetime,
        parts: dict[str, bytes],
        keys: tuple[WrappedKey, ...] = (),
        item_id: uuid.UUID | None = None,
    ) -> OutboxItem:
        """Write the parts durably, then record the item; returns it once both are done."""
        item_id = item_id or uuid.uuid4()
        folder = self.items_dir / str(item_id)
        folder.mkdir()
        digests = {}
        try:
            for name, data in parts.items():
                write_atomically(folder / name, data)
                digests[name] = (len(data), hashlib.sha256(data).hexdigest())
            fsync_directory(self.items_dir)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)  # a full disk leaves no half item
            raise
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO items"
                " (id, camera_id, started_at, ended_at, state, bytes, keys, created_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                (
                    str(item_id),
                    str(camera_id),
                    started_at.isoformat(),
                    ended_at.isoformat(),
                    sum(size for size, _ in digests.values()),
                    json.dumps([[k.recipient_key_id, k.wrapped_key.hex(), k.scope] for k in keys]),
                    _now(),
                ),
            )
            self._db.executemany(
                "INSERT INTO parts (item_id, name, size, sha256) VALUES (?, ?, ?, ?)",
                [(str(item_id), name, size, sha) for name, (size, sha) in digests.items()],
            )
        self.enforce_quota()
        return self.get(item_id)

    def get(self, item_id: uuid.UUID) -> OutboxItem:
        with self._lock:
            row = self._db.execute(
                "SELECT id, camera_id, started_at, ended_at, state, attempts, keys FROM items"
                " WHERE id = ?",
                (str(item_id),),
            ).fetchone()
            if row is None:
                raise NotFound(f"outbox item {item_id} not found")
            return self._item(row)

    def pending(self, limit: int = 10) -> list[OutboxItem]:
        """Items still to upload, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, camera_id, started_at, ended_at, state, attempts, keys FROM items"
                " WHERE state = 'pending' ORDER BY created_at, id LIMIT ?",
                (limit,),
            ).fetchall()
            return [self._item(row) for row in rows]

    def mark_part_uploaded(self, item_id: uuid.UUID, name: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE parts SET uploaded = 1 WHERE item_id = ? AND name = ?",
                (str(item_id), name),
            )

    def mark_parts_pending(self, item_id: uuid.UUID) -> None:
        """Send every part again: the hub no longer has them (it drops abandoned uploads)."""
        with self._lock, self._db:
            self._db.execute("UPDATE parts SET uploaded = 0 WHERE item_id = ?", (str(item_id),))

    def mark_uploaded(self, item_id: uuid.UUID) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE items SET state = 'uploaded', uploaded_at = ?, last_error = NULL"
                " WHERE id = ?",
                (_now(), str(item_id)),
            )
        self.enforce_quota()

    def mark_rejected(self, item_id: uuid.UUID, reason: str) -> None:
        """The hub refused the item for good; it stays on disk for the owner to inspect."""
        logger.warning("the hub refused outbox item %s: %s", item_id, reason)
        with self._lock, self._db:
            self._db.execute(
                "UPDATE items SET state = 'rejected', last_error = ? WHERE id = ?",
                (reason, str(item_id)),
            )

    def record_failure(self, item_id: uuid.UUID, error: str) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE items SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error, str(item_id)),
            )

    def usage(self) -> OutboxUsage:
        with self._lock:
            total, pending, count = self._db.execute(
                "SELECT COALESCE(SUM(bytes), 0),"
                " COALESCE(SUM(CASE WHEN state != 'uploaded' THEN bytes END), 0),"
                " COUNT(CASE WHEN state = 'pending' THEN 1 END)"
                " FROM items WHERE state != 'evicted'"
            ).fetchone()
        return OutboxUsage(int(total), int(pending), int(count), int(total) > self.quota_bytes)

    def enforce_quota(self) -> list[uuid.UUID]:
        """Evict the oldest uploaded items until under quota; never an unconfirmed one."""
        evicted: list[uuid.UUID] = []
        usage = self.usage()
        excess = usage.total_bytes - self.quota_bytes
        if excess <= 0:
            return evicted
        with self._lock:
            rows = self._db.execute(
                "SELECT id, bytes FROM items WHERE state = 'uploaded' ORDER BY uploaded_at, id"
            ).fetchall()
        for item_id, size in rows:
            if excess <= 0:
                break
            shutil.rmtree(self.items_dir / item_id, ignore_errors=True)
            with self._lock, self._db:
                self._db.execute("UPDATE items SET state = 'evicted' WHERE id = ?", (item_id,))
            evicted.append(uuid.UUID(item_id))
            excess -= size
        if excess > 0:
            logger.warning(
                "outbox holds %d bytes not yet on the hub, over its quota of %d bytes; "
                "keeping them until they are uploaded",
                usage.pending_bytes,
                self.quota_bytes,
            )
        return evicted

    def _item(self, row: tuple[str, str, str, str, str, int, str]) -> OutboxItem:
        item_id, camera_id, started_at, ended_at, state, attempts, keys = row
        parts = self._db.execute(
            "SELECT name, size, sha256, uploaded FROM parts WHERE item_id = ? ORDER BY name",
            (item_id,),
        ).fetchall()
        return OutboxItem(
            id=uuid.UUID(item_id),
            camera_id=uuid.UUID(camera_id),
            started_at=datetime.fromisoformat(started_at),
            ended_at=datetime.fromisoformat(ended_at),
            state=state,
            attempts=attempts,
            parts=tuple(
                OutboxPart(name, self.items_dir / item_id / name, size, sha, bool(uploaded))
                for name, size, sha, uploaded in parts
            ),
            # Items stored before twins hold [recipient, wrapped]: clip keys.
            keys=tuple(
                WrappedKey(key, bytes.fromhex(wrapped), *scope)
                for key, wrapped, *scope in json.loads(keys)
            ),
        )

    def _remove_strays(self) -> None:
        """Directories a crash left before their row was committed."""
        with self._lock:
            known = {row[0] for row in self._db.execute("SELECT id FROM items")}
        for folder in self.items_dir.iterdir():
            if folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)


def _now() -> str:
    return datetime.now(UTC).isoformat()
