"""The demo request: filed once the demo home has a fresh clip, through the agency
service with every limit, into the demo resident's inbox; once per database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from doorstep.demo.neighbourhood import RESIDENT_EMAIL, create_demo_neighbourhood, demo_home
from doorstep.demo.request import file_demo_request, watch_for_demo_clips
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.service import session_info
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import make_engine, make_session_factory, transaction, utcnow
from doorstep.hub.homes.models import Camera
from doorstep.hub.requests.inbox import clips_in_window, inbox
from doorstep.hub.requests.models import FootageRequest, RequestDelivery
from doorstep.hub.requests.policy import RequestLimits
from doorstep.settings import Settings


@pytest.fixture
def sessions(tmp_path: Path, database_url: str) -> Iterator[sessionmaker[Session]]:
    """A database holding the demo neighbourhood and nothing the demo edge recorded."""
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    engine = make_engine(database_url)
    factory = make_session_factory(engine, info=session_info(settings.resolved_secret_key()))
    with transaction(factory) as session:
        create_demo_neighbourhood(session, settings=settings)
    yield factory
    engine.dispose()


def record_clip(sessions: sessionmaker[Session], *, ended_ago: timedelta) -> uuid.UUID:
    """A clip of 20 s on the demo home's first camera, as a commit from its edge leaves it."""
    with transaction(sessions) as session:
        home = demo_home(session)
        camera = session.scalars(select(Camera).where(Camera.home_id == home.id)).first()
        assert camera is not None
        ended = utcnow() - ended_ago
        clip = Clip(
            id=uuid.uuid4(),
            home_id=home.id,
            camera_id=camera.id,
            started_at=ended - timedelta(seconds=20),
            ended_at=ended,
        )
        session.add(clip)
        return clip.id


def test_the_request_waits_for_a_fresh_clip_then_reaches_the_demo_resident(
    sessions: sessionmaker[Session],
) -> None:
    def file() -> uuid.UUID | None:
        with transaction(sessions) as session:
            return file_demo_request(session, limits=RequestLimits(), now=utcnow())

    assert file() is None  # nothing recorded: no request could reach anyone
    record_clip(sessions, ended_ago=timedelta(hours=2))
    assert file() is None  # recorded, but not in the hour the request asks about
    fresh = record_clip(sessions, ended_ago=timedelta(seconds=30))
    request_id = file()
    assert request_id is not None
    with transaction(sessions) as session:
        resident = session.scalars(select(User).where(User.email == RESIDENT_EMAIL)).one()
        [entry] = inbox(session, user=resident)
        assert entry.request.id == request_id
        assert [clip.id for clip in clips_in_window(session, entry=entry)] == [fresh]
        # The neighbours' cameras are in the area too, but recorded nothing.
        delivered = session.scalars(select(RequestDelivery.home_id)).all()
        assert delivered == [demo_home(session).id]


def test_the_watcher_files_it_once_per_database(sessions: sessionmaker[Session]) -> None:
    record_clip(sessions, ended_ago=timedelta(seconds=30))
    filed: list[uuid.UUID] = []

    def watch() -> threading.Thread:
        thread = threading.Thread(
            target=watch_for_demo_clips,
            args=(sessions, threading.Event()),
            kwargs={"limits": RequestLimits(), "on_filed": filed.append, "poll_seconds": 0.01},
        )
        thread.start()
        thread.join(timeout=30)
        return thread

    # Never stopped: each watcher returns by itself, the first once it has filed, the
    # second (a restart on the same data) at once, with a fresh clip there to match.
    assert not watch().is_alive()
    assert len(filed) == 1
    assert not watch().is_alive()
    assert len(filed) == 1
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(FootageRequest)) == 1
