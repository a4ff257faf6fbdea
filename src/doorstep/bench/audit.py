"""``doorstep bench audit``: append, prove and replay the audit log at a million entries.

On each backend — a SQLite file in a temporary directory, and a throwaway schema on a
PostgreSQL server — the bench migrates an empty hub database and then:

1. **fills** the log with ``entries`` entries through the hub's own ``append_entries``,
   ``batch`` entries per transaction, as an action that logs many entries at once
   does (a request delivered to many inboxes): ``appends_per_s``. The
   baseline, measured in the same run on the same connection, is the same entry rows
   inserted ``batch`` per transaction into a bare table without a tree:
   ``baseline_inserts_per_s`` (over at most 200,000 rows). Their ratio is what the tree
   and the head row cost;
2. appends ``single`` more entries **one per transaction**, as a single audited request
   does: ``single_appends_per_s``;
3. on PostgreSQL runs ``VACUUM (ANALYZE)`` on the log's tables and a ``CHECKPOINT`` —
   the work the server would otherwise do after the bulk load, in the middle of the
   timings — then asks
   for ``proofs`` **inclusion proofs** of random entries against the full tree
   through the hub's ``inclusion_proof`` with a node cache, as
   ``GET /v1/audit/proofs/inclusion`` does, each checked against the root afterwards:
   ``proof_p50_ms``, ``proof_p99_ms``;
4. signs a checkpoint and **replays** the whole log from the database exactly as
   ``doorstep audit verify --db`` does (stream every entry, check its canonical form and
   leaf hash — in one process per CPU from 100,000 entries on — rebuild the tree, check
   the signed checkpoint): ``verify_s``, and
   ``verify_1m_s`` scaled linearly to a million entries when ``entries`` is not 1M.
   The baseline streams the same entries from the database and only hashes them:
   ``read_hash_s``.

Entries look like real ones: a resident's pseudonym, a home's pseudonym, a clip id and a
private home id, about 200 bytes of canonical JSON.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from doorstep.audit import merkle
from doorstep.audit.entries import pseudonym, public_entry
from doorstep.audit.verify import default_workers, verify_log
from doorstep.errors import ConfigurationError
from doorstep.hub.audit.checkpoints import issue_checkpoint, log_key
from doorstep.hub.audit.node_cache import NodeCache
from doorstep.hub.audit.replay import stored_log
from doorstep.hub.audit.service import NewEntry, append_entries, inclusion_proof, root_at
from doorstep.hub.db import make_engine, make_session_factory, transaction
from doorstep.hub.migrate import upgrade_database

GOAL_APPENDS_PER_S = 10_000  # on SQLite
GOAL_PROOF_P99_MS = 1.0
GOAL_VERIFY_1M_S = 10.0
BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BASELINE_ROWS = 200_000
WARM_UP_PROOFS = 100
ORIGIN = "bench.doorstep.invalid/audit"
Report = Callable[[str], None]

_baseline = Table(
    "bench_audit_baseline",
    MetaData(),
    Column("index", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime),
    Column("action", String(64)),
    Column("public", LargeBinary),
    Column("private", Text),
)


@dataclass(frozen=True)
class BackendFigures:
    backend: str
    appends_per_s: float
    baseline_inserts_per_s: float
    single_appends_per_s: float
    proof_p50_ms: float
    proof_p99_ms: float
    verify_s: float
    read_hash_s: float
    entries: int

    @property
    def verify_1m_s(self) -> float:
        return self.verify_s * 1_000_000 / self.entries

    def goals(self) -> dict[str, bool]:
        met = {
            "proof_p99_ms": self.proof_p99_ms < GOAL_PROOF_P99_MS,
            "verify_1m_s": self.verify_1m_s < GOAL_VERIFY_1M_S,
        }
        if self.backend == "sqlite":
            met["appends_per_s"] = self.appends_per_s >= GOAL_APPENDS_PER_S
        return met

    def as_json(self) -> dict[str, Any]:
        return {
            "appends_per_s": self.appends_per_s,
            "proof_p99_ms": self.proof_p99_ms,
            "verify_1m_s": self.verify_1m_s,
            "baseline_inserts_per_s": self.baseline_inserts_per_s,
            "single_appends_per_s": self.single_appends_per_s,
            "proof_p50_ms": self.proof_p50_ms,
            "verify_s": self.verify_s,
            "read_hash_s": self.read_hash_s,
            "goals_met": self.goals(),
        }


@dataclass(frozen=True)
class AuditBenchResult:
    entries: int
    batch: int
    single: int
    proofs: int
    backends: dict[str, BackendFigures]

    def as_json(self) -> dict[str, Any]:
        """Per backend; the top-level goal keys are the first backend's (SQLite by default)."""
        first = next(iter(self.backends.values()))
        return {
            "appends_per_s": first.appends_per_s,
            "proof_p99_ms": first.proof_p99_ms,
            "verify_1m_s": first.verify_1m_s,
            "backend": first.backend,
            "backends": {name: figures.as_json() for name, figures in self.backends.items()},
            "entries": self.entries,
            "batch": self.batch,
            "single": self.single,
            "proofs": self.proofs,
            "goals": {
                "appends_per_s_sqlite": GOAL_APPENDS_PER_S,
                "proof_p99_ms": GOAL_PROOF_P99_MS,
                "verify_1m_s": GOAL_VERIFY_1M_S,
            },
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "sqlalchemy": sqlalchemy.__version__,
            },
        }


class _EntryMaker:
    """Entries shaped like a clip share: pseudonyms, a clip id, a private home id."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._key = self._random.randbytes(32)
        self._start = datetime(2026, 1, 1, tzinfo=UTC)

    def make(self, index: int) -> NewEntry:
        home = self._random.randrange(10_000)
        return NewEntry(
            action="clip.shared",
            actor={"kind": "resident", "pseudonym": pseudonym(self._key, f"user:{home}")},
            objects={
                "clip": str(uuid.UUID(int=self._random.getrandbits(128))),
                "home": pseudonym(self._key, f"home:{home}"),
            },
            private={"home_id": home},
            at=self._start + timedelta(seconds=index),
        )

    def row(self, index: int) -> dict[str, Any]:
        """The same entry as a plain row, for the baseline table."""
        entry = self.make(index)
        at = entry.at or self._start
        return {
            "index": index,
            "at": at,
            "action": entry.action,
            "public": public_entry(
                at=at, action=entry.action, actor=entry.actor, objects=entry.objects
            ),
            "private": json.dumps(dict(entry.private or {}), sort_keys=True),
        }


def run_audit_bench(
    *,
    entries: int = 1_000_000,
    batch: int = 100,
    single: int = 2_000,
    proofs: int = 2_000,
    backends: tuple[str, ...] = BACKENDS,
    postgres_url: str = DEFAULT_POSTGRES_URL,
    progress: Report | None = None,
) -> AuditBenchResult:
    report = progress or (lambda line: None)
    figures: dict[str, BackendFigures] = {}
    for backend in backends:
        with _database(backend, postgres_url) as engine:
            figures[backend] = _bench_backend(
                backend,
                engine,
                entries=entries,
                batch=batch,
                single=single,
                proofs=proofs,
                report=report,
            )
    return AuditBenchResult(
        entries=entries, batch=batch, single=single, proofs=proofs, backends=figures
    )


@contextmanager
def _database(backend: str, postgres_url: str) -> Iterator[Engine]:
    """A migrated, empty hub database on ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="doorstep-bench-audit-") as directory:
            engine = make_engine(f"sqlite:///{Path(directory) / 'audit.db'}")
            try:
                upgrade_database(engine)
                yield engine
            finally:
                engine.dispose()
        return
    if backend != "postgresql":
        raise ConfigurationError(f"backend is sqlite or postgresql, not {backend!r}")
    schema = f"doorstep_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        raise ConfigurationError(
            f"can't reach PostgreSQL at {admin.url.render_as_string(hide_password=True)} "
            f"({exc.orig.__class__.__name__}); "
            "pass --postgres-url, or --backend sqlite"
        ) from exc
    engine = make_engine(f"{postgres_url}?options=-csearch_path%3D{schema}")
    try:
        upgrade_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _bench_backend(
    backend: str,
    engine: Engine,
    *,
    entries: int,
    batch: int,
    single: int,
    proofs: int,
    report: Report,
) -> BackendFigures:
    secret = os.urandom(32)
    sessions = make_session_factory(engine)
    maker = _EntryMaker(seed=9162)

    baseline_rows = min(entries, BASELINE_ROWS)
    baseline = _timed_batches(
        f"{backend}: baseline, rows into a bare table",
        baseline_rows,
        batch,
        report,
        lambda session, start, end: session.execute(
            insert(_baseline), [maker.row(index) for index in range(start, end)]
        ),
        sessions,
        prepare=lambda: _baseline.create(engine),
    )
    appends = _timed_batches(
        f"{backend}: appending",
        entries,
        batch,
        report,
        lambda session, start, end: append_entries(
            session, [maker.make(index) for index in range(start, end)]
        ),
        sessions,
    )
    _baseline.drop(engine)

    report(f"{backend}: {single:,} appends, one per transaction")
    started = time.perf_counter()
    for index in range(entries, entries + single):
        with transaction(sessions) as session:
            append_entries(session, [maker.make(index)])
    single_s = time.perf_counter() - started
    size = entries + single
    if backend == "postgresql":
        report(f"{backend}: VACUUM ANALYZE and CHECKPOINT after the bulk load")
        _vacuum(engine, report)

    p50, p99 = _proof_latency(sessions, size=size, count=proofs, backend=backend, report=report)

    report(f"{backend}: replaying {size:,} entries from the database")
    issue_checkpoint(sessions, secret_key=secret, origin=ORIGIN)
    started = time.perf_counter()
    with stored_log(engine.url.render_as_string(hide_password=False)) as log:
        verified = verify_log(
            log.entries,
            log.notes,
            key=log_key(secret, ORIGIN),
            origin=ORIGIN,
            workers=default_workers(size),
        )
    verify_s = time.perf_counter() - started
    if verified.size != size or verified.checkpoints != 1:
        raise AssertionError(f"the replay saw {verified.size} entries, not {size}")

    report(f"{backend}: reading and hashing {size:,} entries alone")
    started = time.perf_counter()
    with stored_log(engine.url.render_as_string(hide_password=False)) as log:
        for _, public, _ in log.entries:
            merkle.leaf_hash(public)
    read_hash_s = time.perf_counter() - started

    return BackendFigures(
        backend=backend,
        appends_per_s=entries / appends,
        baseline_inserts_per_s=baseline_rows / baseline,
        single_appends_per_s=single / single_s,
        proof_p50_ms=p50,
        proof_p99_ms=p99,
        verify_s=verify_s,
        read_hash_s=read_hash_s,
        entries=size,
    )


def _vacuum(engine: Engine, report: Report) -> None:
    """Do now the work PostgreSQL would start after a bulk load, in mid-measurement.

    VACUUM ANALYZE is what autovacuum would run; CHECKPOINT writes the loaded pages out
    now rather than spread over the next minutes. CHECKPOINT needs a superuser or
    pg_checkpoint: without either, the bench says so and goes on.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) audit_nodes, audit_entries"))
        try:
            connection.execute(text("CHECKPOINT"))
        except ProgrammingError:
            report("postgresql: no CHECKPOINT (needs pg_checkpoint); dirty pages may weigh")


def _timed_batches(
    what: str,
    entries: int,
    batch: int,
    report: Report,
    write: Callable[[Session, int, int], object],
    sessions: sessionmaker[Session],
    prepare: Callable[[], None] | None = None,
) -> float:
    """Seconds to write ``entries`` in transactions of ``batch``, with progress."""
    if prepare is not None:
        prepare()
    elapsed = 0.0
    for start in range(0, entries, batch):
        end = min(start + batch, entries)
        began = time.perf_counter()
        with transaction(sessions) as session:
            write(session, start, end)
        elapsed += time.perf_counter() - began
        if start % (batch * 200) == 0:
            report(f"{what}: {start:,} of {entries:,}")
    return elapsed


def _proof_latency(
    sessions: sessionmaker[Session], *, size: int, count: int, backend: str, report: Report
) -> tuple[float, float]:
    report(f"{backend}: {count:,} inclusion proofs at size {size:,}")
    chooser = random.Random(6962)
    timings: list[float] = []
    checks: list[tuple[int, bytes, list[bytes]]] = []
    cache = NodeCache()  # as the proof route has, one per hub process
    with sessions() as session:
        root = root_at(session, size)
        for _ in range(WARM_UP_PROOFS):  # statement caches, the driver's prepared statements
            inclusion_proof(session, index=chooser.randrange(size), size=size, cache=cache)
        for _ in range(count):
            index = chooser.randrange(size)
            began = time.perf_counter()
            leaf, proof = inclusion_proof(session, index=index, size=size, cache=cache)
            timings.append(time.perf_counter() - began)
            checks.append((index, leaf, proof))
    for index, leaf, proof in checks:
        merkle.verify_inclusion(leaf=leaf, index=index, size=size, proof=proof, root=root)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return statistics.median(timings) * 1000, p99 * 1000
