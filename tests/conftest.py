"""Shared fixtures. Async tests use anyio on asyncio (mark them ``@pytest.mark.anyio``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
