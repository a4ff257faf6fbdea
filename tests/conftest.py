"""Shared fixtures. Every ``async def`` test runs on anyio's asyncio backend.

Passwords are hashed with Argon2id at its lowest cost in this process (about 0.2 s less per
account and per sign-in; hubs in child processes keep the real cost). A test marked
``production_password_hasher`` keeps the hub's own hasher.
"""

from __future__ import annotations

import inspect
import os
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx._transports.default as httpx_transports
import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr

from doorstep.hub.accounts import security
from doorstep.hub.app import create_app
from doorstep.settings import Settings
from tests.cli.processes import free_port
from tests.edge.hub_process import HubProcess
from tests.lying_hub import LyingHub, ServedHub

# The CLI's Rich consoles fix their width if COLUMNS is set when they are made, and read it
# at each print otherwise. Make them here, without it, so that each test's COLUMNS counts
# whichever test (or xdist worker) imports the CLI first.
os.environ.pop("COLUMNS", None)
import doorstep.cli.output  # noqa: E402, F401

pytest_plugins = ["tests.database"]
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("production_password_hasher") is None:
        monkeypatch.setattr(security, "_HASHER", CHEAP_HASHER)


def _ca_settings() -> tuple[str | None, str | None]:
    return os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")


@pytest.fixture(autouse=True, scope="session")
def one_default_tls_context() -> Iterator[None]:
    """httpx clients in this process share one default TLS context: each client would
    otherwise load the CA bundle again (about 25 ms, more under load), and tests make
    thousands of clients, nearly all to local servers over plain HTTP. A client given
    another ``verify``, or made while SSL_CERT_FILE or SSL_CERT_DIR differ from the run's
    start (an HTTPS hub's own CA), still gets what httpx makes of it."""
    make = httpx_transports.create_ssl_context
    at_start, default = _ca_settings(), make()

    def shared(
        verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is True and cert is None and trust_env and _ca_settings() == at_start:
            return default
        return make(verify=verify, cert=cert, trust_env=trust_env)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx_transports, "create_ssl_context", shared)
        yield


@pytest.fixture(autouse=True)
def client_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test's own client directory: the owner's client keeps a trust store per hub
    address there, and a pinned log key must not carry over to the next hub on that port."""
    directory = tmp_path_factory.mktemp("client-config")
    monkeypatch.setenv("DOORSTEP_CONFIG_DIR", str(directory))
    return directory


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    """A real hub in a child process, on SQLite under ``tmp_path``."""
    process = HubProcess(data_dir=tmp_path / "hub", port=free_port())
    process.start()
    yield process
    process.stop()


@pytest.fixture
def served_hub(tmp_path: Path, database_url: str) -> Iterator[ServedHub]:
    """A real hub app on each database backend, behind a :class:`LyingHub` (honest until a
    test adds a rewrite), served over TCP in this process for clients that take a URL."""
    settings = Settings(
        data_dir=tmp_path / "hub",
        database_url=database_url,
        storage_url=(tmp_path / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr("served-hub-secret-key-long-enough-0123"),
        audit_checkpoint_interval_s=0.2,
    )
    with LyingHub(create_app(settings)).serve(lifespan=True) as (lying, url):
        yield ServedHub(lying, url, database_url)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark coroutine tests for anyio before they are parametrized."""
    if name.startswith("test") and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)
