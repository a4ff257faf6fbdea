"""PostgreSQL commits without waiting for the disk here: hundreds of hostile requests each
commit, and what this package tests is what is stored, not whether it survives a crash."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(database_url: str) -> str:
    if database_url.startswith("postgresql"):
        return f"{database_url}%20-csynchronous_commit%3Doff"
    return database_url
