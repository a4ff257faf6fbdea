"""Database plumbing on both backends: migrations, pragmas, timestamps."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from doorstep.hub.db import Base, make_engine, make_session_factory, transaction
from doorstep.hub.homes.models import Camera, Home
from doorstep.hub.migrate import current_revision, head_revision, upgrade_database
from tests.database import POSTGRES_URL


def test_migrations_reach_head_and_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)  # a second run changes nothing
    assert current_revision(engine) == head_revision() is not None
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys_and_secure_delete(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/pragmas.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    engine.dispose()


def test_foreign_keys_are_enforced(database_url: str) -> None:
    engine = make_engine(database_url)
    with pytest.raises(IntegrityError):
        with transaction(make_session_factory(engine)) as session:
            session.add(
                Camera(
                    home_id=uuid.uuid4(),
                    name="x",
                    latitude=0,
                    longitude=0,
                    public_cell="x",
                    match_cell="x",
                )
            )
    engine.dispose()


def test_timestamps_come_back_utc_aware(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    with transaction(factory) as session:
        home = Home(name="Home", created_at=moment)
        session.add(home)
    with factory() as session:
        loaded = session.get_one(Home, home.id)
        assert loaded.created_at == moment
        assert loaded.created_at.tzinfo is not None
    with pytest.raises(Exception, match="naive"):
        with transaction(factory) as session:
            session.add(Home(name="Naive", created_at=datetime(2026, 1, 1)))
    engine.dispose()


def migrate_together(url: str, workers: int = 4) -> list[BaseException]:
    """Run ``workers`` migrations at once, as hub workers starting together do."""
    failures: list[BaseException] = []

    def start_worker() -> None:
        engine = make_engine(url)
        try:
            upgrade_database(engine)
        except BaseException as exc:  # collected and asserted by the caller
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start_worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_sqlite_workers_starting_together_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/race.db"
    assert migrate_together(url) == []
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_postgres_workers_starting_together_migrate_once() -> None:
    schema = f"doorstep_race_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        assert migrate_together(url) == []
        engine = make_engine(url)
        assert current_revision(engine) == head_revision()
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
