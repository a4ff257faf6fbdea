"""A hub app as the hub tests run it: settings over a test database, and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from doorstep.hub.app import create_app
from doorstep.settings import Settings


def hub_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        storage_url=(data_dir / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr("test-secret-key-" + "x" * 32),
    )


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
