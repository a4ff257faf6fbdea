"""Database backends for tests: a SQLite file per test, and one PostgreSQL schema per run.

Both are migrated once per run. Each test's SQLite file is a copy of a file migrated at
the start of the run. PostgreSQL is the real server on 127.0.0.1:5432
(``DOORSTEP_TEST_POSTGRES_URL`` overrides it); its tables are emptied between tests.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from doorstep.hub.db import Base, make_engine
from doorstep.hub.migrate import upgrade_database

POSTGRES_URL = os.environ.get(
    "DOORSTEP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A fresh, migrated schema on the real PostgreSQL server, dropped after the run."""
    schema = f"doorstep_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run, for each test to copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "doorstep.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file (its write-ahead log included)."""
    original, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        original.backup(copy)
    finally:
        original.close()
        copy.close()


def empty_tables(engine: Engine) -> None:
    """Back to what the migrations leave: no rows, but the audit log's head row at size 0.

    DELETE, children before parents, not TRUNCATE: a test leaves few rows, and TRUNCATE
    makes new files for all the tables and their indexes (about half a second each time).
    """
    statements = [f'DELETE FROM "{table.name}"' for table in Base.metadata.sorted_tables]
    with engine.begin() as connection:
        connection.exec_driver_sql("; ".join(reversed(statements)))
        connection.execute(text("INSERT INTO audit_head (id, size) VALUES (1, 0)"))


def fresh_database(request: pytest.FixtureRequest, directory: Path) -> str:
    """A migrated, empty database on the backend ``request.param`` names: a SQLite file in
    ``directory``, or the run's PostgreSQL schema emptied."""
    if request.param == "sqlite":
        copy_sqlite(request.getfixturevalue("sqlite_template"), directory / "doorstep.db")
        return f"sqlite:///{directory / 'doorstep.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    engine = make_engine(url)
    empty_tables(engine)
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend in turn."""
    return fresh_database(request, tmp_path)
