"""Database backends for tests: a SQLite file per test, and one PostgreSQL schema per run.

PostgreSQL is the real server on 127.0.0.1:5432 (``DOORSTEP_TEST_POSTGRES_URL``
overrides it). Its schema is migrated once per run; tables are emptied between tests.
"""

from __future__ import annotations

import os
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


def empty_tables(engine: Engine) -> None:
    """Back to what the migrations leave: no rows, but the audit log's head row at size 0."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
        connection.execute(text("INSERT INTO audit_head (id, size) VALUES (1, 0)"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'doorstep.db'}"
        engine = make_engine(url)
        upgrade_database(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_schema_url")
    engine = make_engine(url)
    empty_tables(engine)
    engine.dispose()
    yield url
