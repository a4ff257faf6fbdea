"""Read a hub's audit log straight from its database, for a replay from outside.

``doorstep audit verify --db`` and ``doorstep bench audit`` read the tables with plain
SQL on a connection of their own, entries streamed in index order (a server-side cursor
on PostgreSQL), so a log of millions of entries replays in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from doorstep.audit.verify import LogEntry

STREAM_ROWS = 10_000
ENTRIES = text(
    'SELECT e."index", e.public, n.hash FROM audit_entries e LEFT JOIN audit_nodes n '
    'ON n.level = 0 AND n."index" = e."index" ORDER BY e."index"'
)


@dataclass(frozen=True)
class StoredLog:
    size: int
    notes: list[str]
    entries: Iterator[LogEntry]


@contextmanager
def stored_log(url: str) -> Iterator[StoredLog]:
    """The log in the database at ``url``: its head size, checkpoint notes and entries."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            notes = [r[0] for r in connection.execute(text("SELECT note FROM audit_checkpoints"))]
            size = int(connection.execute(text("SELECT size FROM audit_head")).scalar_one())
            # Closed even when the replay stops early (a failed check): an open server-side
            # cursor at the connection's close is a resource leak.
            with connection.execution_options(yield_per=STREAM_ROWS).execute(ENTRIES) as rows:
                entries = (
                    (int(index), bytes(public), bytes(leaf) if leaf is not None else None)
                    for index, public, leaf in rows
                )
                yield StoredLog(size=size, notes=notes, entries=entries)
    finally:
        engine.dispose()
