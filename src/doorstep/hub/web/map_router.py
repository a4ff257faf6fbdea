"""The maps' optional basemap: an operator's PMTiles file, served by the hub itself.

Maps draw Natural Earth outlines shipped in ``/static/vendor``; an operator who wants
streets sets ``DOORSTEP_MAP_PMTILES`` to a raster PMTiles v3 file, and the browser reads
its tiles from this hub with HTTP Range requests. No map fetches anything from elsewhere.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import Field

from doorstep.errors import NotFound
from doorstep.hub.deps import StateDep
from doorstep.hub.schemas import PublicModel

BASEMAP_PATH = "/map/basemap.pmtiles"

router = APIRouter(tags=["web"])


class MapConfig(PublicModel):
    basemap: str | None = Field(
        description=f"Where maps read their raster PMTiles basemap ({BASEMAP_PATH}), "
        "or null when the operator configured none."
    )


@router.get("/v1/map")
def map_config(state: StateDep) -> MapConfig:
    """What the web app's maps may show besides the shipped Natural Earth outlines."""
    return MapConfig(basemap=BASEMAP_PATH if state.settings.map_pmtiles is not None else None)


@router.get(
    BASEMAP_PATH,
    response_class=FileResponse,
    responses={
        206: {"description": "The bytes of the one range asked for."},
        404: {"description": "No basemap is configured."},
        416: {"description": "The range starts past the end of the file."},
    },
)
def basemap(state: StateDep) -> FileResponse:
    """The operator's PMTiles basemap; send ``Range: bytes=start-end`` for a part."""
    path = state.settings.map_pmtiles
    if path is None:
        raise NotFound("this hub has no basemap (DOORSTEP_MAP_PMTILES is not set)")
    if not path.is_file():
        raise NotFound("this hub's basemap file is missing")
    # FileResponse answers Range (206, several ranges as multipart, 416 past the end) and
    # gives an ETag and Last-Modified, so a browser revalidates rather than refetches.
    return FileResponse(
        path,
        media_type="application/vnd.pmtiles",
        headers={"Cache-Control": "public, max-age=3600"},
    )
