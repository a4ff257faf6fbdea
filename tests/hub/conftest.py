"""Hub fixtures: an app on each database backend, an async client, and signed-in actors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from moto.server import ThreadedMotoServer

from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.cli.processes import free_port
from tests.hub.actors import Actors
from tests.hub.running import hub_settings, running_app


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return hub_settings(tmp_path, database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    async with running_app(settings) as application:
        yield application


@pytest.fixture
def hub(app: FastAPI) -> HubState:
    state: HubState = app.state.hub
    return state


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=("198.51.100.7", 50000))
    async with AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


@pytest.fixture
def actors(hub: HubState, client: AsyncClient) -> Actors:
    return Actors(hub=hub, client=client)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An S3 endpoint: moto's server mode on a free local port, for the run."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
