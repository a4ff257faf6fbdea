from __future__ import annotations

import json
import math
from typing import Any

import h3
import pytest

from doorstep.errors import InvalidInput, LimitExceeded
from doorstep.hub.requests.geometry import (
    RequestArea,
    area_km2_text,
    circle_area,
    coarse_cells,
    covers,
    from_geojson_text,
    parse_jurisdiction,
    polygon_area,
    to_geojson,
)


def square(west: float, south: float, size: float) -> list[list[float]]:
    return [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]


def polygon(*rings: list[list[Any]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": list(rings)}


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius_m"),
    [(0.0, 0.0, 100.0), (51.5, -0.12, 399.0), (-33.87, 151.2, 5_000.0), (69.6, 18.9, 50.0)],
)
def test_circle_area_is_within_half_a_percent_of_pi_r_squared(
    latitude: float, longitude: float, radius_m: float
) -> None:
    area = circle_area(latitude, longitude, radius_m)

    assert area.area_m2 == pytest.approx(math.pi * radius_m**2, rel=0.005)
    assert len(area.polygon.exterior.coords) == 65  # 64 vertices, closed
    assert area.latitude == pytest.approx(latitude, abs=1e-4)
    assert area.longitude == pytest.approx(longitude, abs=1e-4)


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius_m", "field", "shown"),
    [
        (90.5, 0.0, 100.0, "location.latitude", "90.5"),
        (math.nan, 0.0, 100.0, "location.latitude", "nan"),
        (0.0, -180.25, 100.0, "location.longitude", "-180.25"),
        (0.0, 0.0, 0.0, "location.radius_m", "0.0"),
        (0.0, 0.0, -5.0, "location.radius_m", "-5.0"),
        (0.0, 0.0, math.inf, "location.radius_m", "inf"),
        (0.0, 0.0, 5_000.5, "location.radius_m", "5000.5"),
    ],
)
def test_circle_area_refuses_bad_centre_or_radius(
    latitude: float, longitude: float, radius_m: float, field: str, shown: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        circle_area(latitude, longitude, radius_m)

    assert caught.value.field == field
    assert shown in caught.value.detail


def test_circle_radius_over_the_limit_is_a_limit_exceeded() -> None:
    with pytest.raises(LimitExceeded, match="5000.5 m is over the limit of 5000 m"):
        circle_area(10.0, 10.0, 5_000.5)
    assert circle_area(10.0, 10.0, 5_000).area_m2 > 0


def test_circle_across_the_antimeridian_is_refused() -> None:
    with pytest.raises(InvalidInput, match="antimeridian") as caught:
        circle_area(0.0, 179.999, 1_000)
    assert caught.value.field == "location"


def test_polygon_area_measures_geodesically_with_holes_subtracted() -> None:
    # 0.01° squares at the equator: about 1.113 km a side.
    outer = square(10.0, 0.0, 0.01)
    hole = square(10.0025, 0.0025, 0.005)

    solid = polygon_area(polygon(outer))
    holed = polygon_area(polygon(outer, hole))

    assert solid.area_m2 == pytest.approx(1_113.2 * 1_105.7, rel=0.002)
    assert holed.area_m2 == pytest.approx(solid.area_m2 * 0.75, rel=0.001)
    assert (solid.latitude, solid.longitude) == pytest.approx((0.005, 10.005))


def test_polygon_area_accepts_either_winding_and_stores_counter_clockwise() -> None:
    clockwise = list(reversed(square(10.0, 0.0, 0.001)))

    area = polygon_area(polygon(clockwise))

    assert area.area_m2 > 0
    assert area.polygon.exterior.is_ccw


@pytest.mark.parametrize(
    ("geojson", "shown"),
    [
        (polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]), "Self-intersection"),
        (polygon([[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1]]), "not closed"),
        (polygon([[0, 0], [0.1, 0], [0, 0]]), "has 3 positions"),
        (polygon([[0, 0], [0.1, 0], [0.1, 95], [0, 0]]), "latitude 95"),
        (polygon([[0, 0], [0.1, 0], [0.1, "x"], [0, 0]]), "'x' is not a number"),
        (polygon([[0, 0], [0.1, 0], [True, 0.1], [0, 0]]), "True is not a number"),
        (polygon([[0, 0], [0.1], [0.1, 0.1], [0, 0]]), "position 2: not a [longitude"),
        ({"type": "Point", "coordinates": [0, 0]}, "type 'Point' is not accepted"),
        ({"type": "Polygon", "coordinates": []}, "list of rings"),
        (polygon(square(0, 0, 0.1), square(0.5, 0.5, 0.1)), "Hole lies outside shell"),
    ],
)
def test_polygon_area_refusals_name_the_field(geojson: dict[str, Any], shown: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        polygon_area(geojson, "area")

    assert caught.value.field == "area"
    assert caught.value.detail.startswith("area: ")
    assert shown in caught.value.detail


def test_polygon_area_refuses_more_than_200_positions() -> None:
    ring = [
        [0.001 * math.cos(t / 200 * 2 * math.pi), 0.001 * math.sin(t / 200 * 2 * math.pi)]
        for t in range(200)
    ]
    polygon_area(polygon([*ring[:199], ring[0]]))  # 200 positions in all

    with pytest.raises(LimitExceeded, match="201 positions is over the limit of 200") as caught:
        polygon_area(polygon([*ring, ring[0]]))
    assert caught.value.field == "location.polygon"


def test_jurisdiction_covers_areas_inside_it_only() -> None:
    jurisdiction = parse_jurisdiction(polygon(square(10.0, 50.0, 0.1)))

    assert covers(jurisdiction, circle_area(50.05, 10.05, 1_000))
    assert not covers(jurisdiction, circle_area(50.0, 10.05, 500))  # straddles the edge
    assert not covers(jurisdiction, circle_area(40.0, 10.0, 100))


def test_multipolygon_jurisdiction_covers_each_part() -> None:
    jurisdiction = parse_jurisdiction(
        {
            "type": "MultiPolygon",
            "coordinates": [[square(10.0, 50.0, 0.1)], [square(11.0, 50.0, 0.1)]],
        }
    )

    assert covers(jurisdiction, circle_area(50.05, 11.05, 1_000))
    assert not covers(jurisdiction, circle_area(50.05, 10.5, 1_000))  # between the parts


def test_jurisdiction_refusals_name_the_field() -> None:
    overlapping = {
        "type": "MultiPolygon",
        "coordinates": [[square(0, 0, 1)], [square(0.5, 0.5, 1)]],
    }
    with pytest.raises(InvalidInput, match="not a valid MultiPolygon") as caught:
        parse_jurisdiction(overlapping)
    assert caught.value.field == "jurisdiction"

    ring = [
        [math.cos(t / 5_000 * 2 * math.pi), math.sin(t / 5_000 * 2 * math.pi)] for t in range(5_000)
    ]
    with pytest.raises(LimitExceeded, match="5001 positions is over the limit of 5000"):
        parse_jurisdiction(polygon([*ring, ring[0]]))
    parse_jurisdiction(polygon([*ring[:4_999], ring[0]]))


def test_geojson_round_trips_through_text() -> None:
    shapes = [
        parse_jurisdiction(polygon(square(10.0, 50.0, 0.1), square(10.02, 50.02, 0.01))),
        parse_jurisdiction(
            {
                "type": "MultiPolygon",
                "coordinates": [[square(10.0, 50.0, 0.1)], [square(11.0, 50.0, 0.1)]],
            }
        ),
        circle_area(47.3769, 8.5417, 321.5).polygon,
    ]
    for shape in shapes:
        text = json.dumps(to_geojson(shape))
        back = from_geojson_text(text)

        assert back.geom_type == shape.geom_type
        assert back.equals_exact(shape, tolerance=0)
        assert json.loads(text) == to_geojson(back)


def test_from_geojson_text_refuses_what_is_not_a_stored_shape() -> None:
    with pytest.raises(InvalidInput, match="not JSON"):
        from_geojson_text("{not json")
    with pytest.raises(InvalidInput, match="'Point'"):
        from_geojson_text('{"type": "Point", "coordinates": [0, 0]}')


def test_coarse_cells_are_resolution_8_and_cover_every_vertex() -> None:
    area = circle_area(37.7749, -122.4194, 1_500)

    cells = coarse_cells(area)

    assert cells
    assert cells == sorted(set(cells))
    assert {h3.get_resolution(cell) for cell in cells} == {8}
    vertex_cells = {h3.latlng_to_cell(lat, lon, 8) for lon, lat in area.polygon.exterior.coords}
    assert vertex_cells <= set(cells)
    assert h3.latlng_to_cell(area.latitude, area.longitude, 8) in cells


def test_coarse_cells_of_a_tiny_area_are_the_cells_it_touches() -> None:
    # A 40 m circle is far smaller than a resolution-8 cell (~0.7 km²), yet has cells.
    area = circle_area(52.52, 13.405, 40)

    cells = coarse_cells(area)

    assert 1 <= len(cells) <= 3
    assert h3.latlng_to_cell(52.52, 13.405, 8) in cells


@pytest.mark.parametrize(
    ("area_m2", "text"),
    [
        (500_000, "0.5 km²"),
        (620_000, "0.62 km²"),
        (1_000_000, "1 km²"),
        (1_234_567, "1.23 km²"),
        (999_999.9, "1 km²"),
        (123_456_789, "123 km²"),
        (2_345_678_901, "2350 km²"),
        (1_234, "0.00123 km²"),
        (0, "0 km²"),
    ],
)
def test_area_km2_text_gives_three_significant_figures(area_m2: float, text: str) -> None:
    assert area_km2_text(area_m2) == text


def test_request_area_is_a_value() -> None:
    first = circle_area(1.0, 2.0, 300)
    second = circle_area(1.0, 2.0, 300)

    assert isinstance(first, RequestArea)
    assert first == second
    assert hash(first) == hash(second)
