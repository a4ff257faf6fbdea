"""The operator's PMTiles basemap: announced at /v1/map, served with Range requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from doorstep.errors import ConfigurationError
from doorstep.hub.app import create_app
from doorstep.settings import Settings
from tests.pmtiles import HEADER_BYTES, solid_png, write_pmtiles

TILES = {(0, 0, 0): solid_png(10, 20, 30), (1, 1, 0): solid_png(200, 100, 0)}


@pytest.fixture(scope="module")
def pmtiles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    path = tmp_path_factory.mktemp("basemap") / "basemap.pmtiles"
    return path, write_pmtiles(path, TILES)


# One app with the basemap for the module's tests, which only read it (as the page tests
# share theirs: tests/hub/web/conftest.py).
@pytest.fixture(scope="module")
async def basemap_client(
    settings: Settings, pmtiles: tuple[Path, bytes]
) -> AsyncIterator[AsyncClient]:
    app: FastAPI = create_app(settings.model_copy(update={"map_pmtiles": pmtiles[0]}))
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://hub.test") as http:
            yield http


async def test_without_a_basemap_maps_are_told_none_and_the_file_is_404(
    client: AsyncClient,
) -> None:
    assert (await client.get("/v1/map")).json() == {"basemap": None}
    response = await client.get("/map/basemap.pmtiles", headers={"Range": "bytes=0-126"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert "DOORSTEP_MAP_PMTILES" in response.json()["detail"]


async def test_the_basemap_is_announced_and_served_whole(
    basemap_client: AsyncClient, pmtiles: tuple[Path, bytes]
) -> None:
    assert (await basemap_client.get("/v1/map")).json() == {"basemap": "/map/basemap.pmtiles"}
    response = await basemap_client.get("/map/basemap.pmtiles")
    assert response.status_code == 200
    assert response.content == pmtiles[1]
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "application/vnd.pmtiles"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        (f"bytes=0-{HEADER_BYTES - 1}", 0, HEADER_BYTES),  # what a reader asks first
        ("bytes=130-199", 130, 200),
        ("bytes=300-", 300, None),  # to the end
        ("bytes=-50", -50, None),  # the last 50
    ],
)
async def test_a_range_answers_206_with_exactly_those_bytes(
    basemap_client: AsyncClient,
    pmtiles: tuple[Path, bytes],
    header: str,
    start: int,
    end: int | None,
) -> None:
    body = pmtiles[1]
    response = await basemap_client.get("/map/basemap.pmtiles", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == body[start:end]
    first = start % len(body)
    last = (end if end is not None else len(body)) - 1
    assert response.headers["content-range"] == f"bytes {first}-{last}/{len(body)}"


async def test_a_range_past_the_end_is_416(
    basemap_client: AsyncClient, pmtiles: tuple[Path, bytes]
) -> None:
    size = len(pmtiles[1])
    response = await basemap_client.get(
        "/map/basemap.pmtiles", headers={"Range": f"bytes={size}-{size + 10}"}
    )
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"


async def test_a_malformed_range_is_400(basemap_client: AsyncClient) -> None:
    response = await basemap_client.get("/map/basemap.pmtiles", headers={"Range": "lines=1-2"})
    assert response.status_code == 400


def test_a_basemap_that_is_not_pmtiles_refuses_to_start(tmp_path: Path) -> None:
    other = tmp_path / "tiles.mbtiles"
    other.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(ConfigurationError, match="DOORSTEP_MAP_PMTILES=.*not a PMTiles version 3"):
        Settings(map_pmtiles=other)
    with pytest.raises(ConfigurationError, match="DOORSTEP_MAP_PMTILES=.*can't read it"):
        Settings(map_pmtiles=tmp_path / "missing.pmtiles")
