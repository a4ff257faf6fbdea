"""A database and an app of their own for each test, as elsewhere under tests/hub, for the
page modules whose tests look at rows across the whole hub (the audit log, every agency's
name, failed sign-ins). Such a module imports these three, which stand in for the
module-wide ``database_url``, ``settings`` and ``app`` of tests/hub/web/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from doorstep.settings import Settings
from tests.database import BACKENDS, fresh_database
from tests.hub.running import hub_settings, running_app


@pytest.fixture(name="database_url", params=BACKENDS)
def own_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database(request, tmp_path)


@pytest.fixture(name="settings")
def own_settings(tmp_path: Path, database_url: str) -> Settings:
    return hub_settings(tmp_path, database_url)


@pytest.fixture(name="app")
async def own_app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application
