"""What pages hand to static/map.js: the public log's H3 cells as GeoJSON, ready for a
``data-cells`` attribute (the browser needs no H3 library)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import h3

from doorstep.errors import InvalidInput


def cells_geojson(cells: Iterable[str]) -> dict[str, Any]:
    """A GeoJSON MultiPolygon of H3 cells (lon/lat, each ring closed), in the given order."""
    polygons = []
    for cell in cells:
        if not h3.is_valid_cell(cell):
            raise InvalidInput(f"cells: {cell!r} is not an H3 cell", field="cells")
        ring = [[round(lon, 6), round(lat, 6)] for lat, lon in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        polygons.append([ring])
    return {"type": "MultiPolygon", "coordinates": polygons}


def cells_json(cells: Iterable[str]) -> str:
    """``cells_geojson`` as compact JSON text (Jinja escapes it inside the attribute)."""
    return json.dumps(cells_geojson(cells), separators=(",", ":"))
