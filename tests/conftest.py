"""Shared fixtures. Every ``async def`` test runs on anyio's asyncio backend."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.processes import free_port
from tests.edge.hub_process import HubProcess

pytest_plugins = ["tests.database"]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    """A real hub in a child process, on SQLite under ``tmp_path``."""
    process = HubProcess(data_dir=tmp_path / "hub", port=free_port())
    process.start()
    yield process
    process.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark coroutine tests for anyio before they are parametrized."""
    if name.startswith("test") and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)
