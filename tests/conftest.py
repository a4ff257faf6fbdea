"""Shared fixtures. Every ``async def`` test runs on anyio's asyncio backend."""

from __future__ import annotations

import inspect

import pytest

pytest_plugins = ["tests.database"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Mark coroutine tests for anyio before they are parametrized."""
    if name.startswith("test") and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)
