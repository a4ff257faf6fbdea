"""The areas requests cover and the jurisdictions they must lie in.

Every measure is geodesic on WGS84 (pyproj) and every shape test is shapely's, so a
request's size is the same whether it sits on the equator or in Oslo, and no one has
to trust hand-written geometry. Shapes are lon/lat, as GeoJSON has them; the public
log shows only the coarse H3 cells an area touches, never the shape itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import h3
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from doorstep.errors import InvalidInput, LimitExceeded

MAX_RADIUS_M = 5_000
CIRCLE_VERTICES = 64
AREA_MAX_POSITIONS = 200
JURISDICTION_MAX_POSITIONS = 5_000
COARSE_CELL_RESOLUTION = 8

Position = tuple[float, float]


@dataclass(frozen=True)
class RequestArea:
    """The area a request covers: its shape (lon/lat), geodesic size and centroid."""

    polygon: Polygon
    area_m2: float
    latitude: float
    longitude: float


@cache
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def _number_text(value: float) -> str:
    return f"{value:.10g}"


def area_km2_text(area_m2: float) -> str:
    """An area for messages, in km² to 3 significant figures: ``500_000`` -> ``"0.5 km²"``."""
    km2 = area_m2 / 1_000_000
    if km2 == 0 or not math.isfinite(km2):
        return f"{km2:g} km²"
    decimals = 2 - math.floor(math.log10(abs(km2)))
    rounded = round(km2, decimals)
    if decimals <= 0:
        return f"{rounded:.0f} km²"
    return f"{rounded:.{decimals}f}".rstrip("0").rstrip(".") + " km²"


def _request_area(polygon: Polygon) -> RequestArea:
    area_m2, _perimeter = _geod().geometry_area_perimeter(polygon)
    centroid = polygon.centroid
    return RequestArea(
        polygon=polygon,
        area_m2=abs(float(area_m2)),
        latitude=float(centroid.y),
        longitude=float(centroid.x),
    )


def _check_coordinate(value: object, name: str, bound: float, field: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{field}: {where}{name} {value!r} is not a number", field=field)
    if abs(value) > bound:
        raise InvalidInput(
            f"{field}: {where}{name} {_number_text(value)} is outside -{bound:g}..{bound:g}",
            field=field,
        )
    return float(value)


def circle_area(latitude: float, longitude: float, radius_m: float) -> RequestArea:
    """A geodesic circle around a point, as a polygon of 64 vertices."""
    latitude = _check_coordinate(latitude, "latitude", 90, "location.latitude", "")
    longitude = _check_coordinate(longitude, "longitude", 180, "location.longitude", "")
    field = "location.radius_m"
    if isinstance(radius_m, bool) or not isinstance(radius_m, int | float):
        raise InvalidInput(f"{field}: {radius_m!r} is not a number", field=field)
    if not math.isfinite(radius_m) or radius_m <= 0:
        raise InvalidInput(f"{field}: {radius_m!r} m is not a positive distance", field=field)
    if radius_m > MAX_RADIUS_M:
        raise LimitExceeded(
            f"{field}: {_number_text(radius_m)} m is over the limit of {MAX_RADIUS_M} m",
            field=field,
        )
    azimuths = [index * 360 / CIRCLE_VERTICES for index in range(CIRCLE_VERTICES)]
    longitudes, latitudes, _back = _geod().fwd(
        [longitude] * CIRCLE_VERTICES,
        [latitude] * CIRCLE_VERTICES,
        azimuths,
        [float(radius_m)] * CIRCLE_VERTICES,
    )
    # Lon/lat polygons can't wrap; such a circle would come out as a band around the globe.
    if max(longitudes) - min(longitudes) > 180:
        raise InvalidInput(
            f"location: a circle of {_number_text(radius_m)} m around "
            f"({_number_text(latitude)}, {_number_text(longitude)}) crosses the antimeridian "
            "or a pole, which isn't supported",
            field="location",
        )
    polygon = orient(Polygon(list(zip(longitudes, latitudes, strict=True))), sign=1.0)
    return _request_area(polygon)


def _rings(value: object, field: str, where: str) -> list[Sequence[Any]]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidInput(f"{field}: {where}coordinates must be a list of rings", field=field)
    for ring in value:
        if not isinstance(ring, list | tuple):
            raise InvalidInput(
                f"{field}: {where}each ring must be a list of positions", field=field
            )
    return list(value)


def _ring(positions: Sequence[Any], field: str, where: str) -> list[Position]:
    ring: list[Position] = []
    for index, position in enumerate(positions, start=1):
        at = f"{where}position {index}: "
        if not isinstance(position, list | tuple) or len(position) not in (2, 3):
            raise InvalidInput(f"{field}: {at}not a [longitude, latitude] pair", field=field)
        longitude = _check_coordinate(position[0], "longitude", 180, field, at)
        latitude = _check_coordinate(position[1], "latitude", 90, field, at)
        ring.append((longitude, latitude))
    if len(ring) < 4:
        raise InvalidInput(
            f"{field}: {where}has {len(ring)} positions; a ring needs at least 4", field=field
        )
    if ring[0] != ring[-1]:
        raise InvalidInput(
            f"{field}: {where}is not closed (first position {list(ring[0])}, "
            f"last {list(ring[-1])})",
            field=field,
        )
    return ring


def _polygon(rings: list[Sequence[Any]], field: str, where: str) -> Polygon:
    parsed = [
        _ring(ring, field, f"{where}{'exterior ring' if number == 0 else f'hole {number}'}, ")
        for number, ring in enumerate(rings)
    ]
    return orient(Polygon(parsed[0], parsed[1:]), sign=1.0)


def _parse(
    geojson: Mapping[str, Any], field: str, kinds: tuple[str, ...], max_positions: int
) -> Polygon | MultiPolygon:
    if not isinstance(geojson, Mapping):
        raise InvalidInput(
            f"{field}: expected a GeoJSON object, got {type(geojson).__name__}", field=field
        )
    kind = geojson.get("type")
    if kind not in kinds:
        raise InvalidInput(
            f"{field}: type {kind!r} is not accepted; expected {' or '.join(kinds)}", field=field
        )
    coordinates = geojson.get("coordinates")
    if kind == "Polygon":
        polygons = [_rings(coordinates, field, "")]
    else:
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise InvalidInput(f"{field}: coordinates must be a list of polygons", field=field)
        polygons = [
            _rings(rings, field, f"polygon {number}: ")
            for number, rings in enumerate(coordinates, start=1)
        ]
    # Counted before any position is read, so an oversized shape costs nothing to refuse.
    positions = sum(len(ring) for rings in polygons for ring in rings)
    if positions > max_positions:
        raise LimitExceeded(
            f"{field}: {positions} positions is over the limit of {max_positions}", field=field
        )
    if kind == "Polygon":
        geometry = _polygon(polygons[0], field, "")
    else:
        geometry = MultiPolygon(
            [
                _polygon(rings, field, f"polygon {number}, ")
                for number, rings in enumerate(polygons, start=1)
            ]
        )
    if not geometry.is_valid:
        raise InvalidInput(
            f"{field}: not a valid {kind}: {explain_validity(geometry)}", field=field
        )
    return geometry


def polygon_area(geojson: Mapping[str, Any], field: str = "location.polygon") -> RequestArea:
    """A request area from a GeoJSON Polygon (holes allowed, at most 200 positions)."""
    polygon = _parse(geojson, field, ("Polygon",), AREA_MAX_POSITIONS)
    return _request_area(polygon)


def parse_jurisdiction(
    geojson: Mapping[str, Any], field: str = "jurisdiction"
) -> Polygon | MultiPolygon:
    """An agency's jurisdiction from a GeoJSON Polygon or MultiPolygon (≤ 5,000 positions)."""
    return _parse(geojson, field, ("Polygon", "MultiPolygon"), JURISDICTION_MAX_POSITIONS)


def covers(jurisdiction: Polygon | MultiPolygon, area: RequestArea) -> bool:
    """Whether the whole area lies inside the jurisdiction (its boundary included)."""
    return bool(jurisdiction.covers(area.polygon))


def _coordinates(polygon: Polygon) -> list[list[list[float]]]:
    return [
        [[float(x), float(y)] for x, y, *_ in ring.coords]
        for ring in (polygon.exterior, *polygon.interiors)
    ]


def to_geojson(geometry: Polygon | MultiPolygon) -> dict[str, Any]:
    """GeoJSON (lists, not tuples) for a Polygon or MultiPolygon, ready for ``json.dumps``."""
    if isinstance(geometry, MultiPolygon):
        return {
            "type": "MultiPolygon",
            "coordinates": [_coordinates(part) for part in geometry.geoms],
        }
    return {"type": "Polygon", "coordinates": _coordinates(geometry)}


def from_geojson_text(text: str) -> Polygon | MultiPolygon:
    """A shape stored with ``json.dumps(to_geojson(...))``, checked as on the way in."""
    try:
        geojson = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"geometry: stored shape is not JSON: {exc}", field="geometry") from exc
    return _parse(geojson, "geometry", ("Polygon", "MultiPolygon"), JURISDICTION_MAX_POSITIONS)


def coarse_cells(area: RequestArea) -> list[str]:
    """The H3 resolution-8 cells the area touches, sorted: what the public log shows."""
    polygon = area.polygon
    # H3 wants (lat, lng) and open rings.
    outer = [(y, x) for x, y, *_ in polygon.exterior.coords[:-1]]
    holes = [[(y, x) for x, y, *_ in ring.coords[:-1]] for ring in polygon.interiors]
    shape = h3.LatLngPoly(outer, *holes)
    cells = h3.polygon_to_cells_experimental(shape, COARSE_CELL_RESOLUTION, contain="overlap")
    return sorted(str(cell) for cell in cells)
