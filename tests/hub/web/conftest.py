"""Page tests share one hub app per module and database backend.

A fresh app takes about half a second to its first answer (FastAPI builds each route's
dependencies then), more than most page tests take. The tests here make their own accounts
and homes and look only at what those can see, so one app and one database serve a whole
module. A module whose tests look across the whole hub imports tests/hub/web/isolated.py's
fixtures instead, for an app and a database of their own per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from doorstep.settings import Settings
from tests.database import BACKENDS, fresh_database
from tests.hub.running import hub_settings, running_app


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database on each backend in turn, for the module's tests."""
    return fresh_database(request, tmp_path_factory.mktemp("web-db"))


@pytest.fixture(scope="module")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return hub_settings(tmp_path_factory.mktemp("web-hub"), database_url)


@pytest.fixture(scope="module")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application
