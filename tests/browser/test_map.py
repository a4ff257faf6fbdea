"""static/map.js in Chromium, served by a real hub (its CSP included) with a PMTiles basemap.

The test page (map-demo.html, map-demo.js) is served by two test-only routes. Drawing is
driven by the keyboard alone; every request a page makes must stay on the hub.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import Response
from fastapi.responses import HTMLResponse
from playwright.sync_api import Browser, Page, Request
from pydantic import SecretStr

from doorstep.hub.app import create_app
from doorstep.hub.requests.geometry import area_km2_text, circle_area, coarse_cells, polygon_area
from doorstep.hub.web.maps import cells_geojson
from doorstep.settings import Settings
from tests.lying_hub import LyingHub
from tests.pmtiles import solid_png, write_pmtiles

HERE = Path(__file__).parent
# The basemap: zooms 0 to 2, one colour per tile, so a tile drawn at the wrong place shows.
TILE_COLOURS = {
    (z, x, y): (40 + 60 * z, 30 + 60 * x, 30 + 60 * y)
    for z in range(3)
    for x in range(2**z)
    for y in range(2**z)
}
# Markup in the file's metadata is the file's, not the page's: it is shown as text.
ATTRIBUTION = '<a href="https://tiles.test/">© Test tiles</a><img src="/x" alt="">'
OSLO = (59.9139, 10.7522)
ZOOM = 15
PAN_PX = 80  # what one arrow key moves the crosshair


@pytest.fixture(scope="module")
def map_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("map-hub")
    basemap = directory / "basemap.pmtiles"
    # In leaf directories of 4 entries, as a large archive keeps its tiles.
    tiles = {zxy: solid_png(*colour) for zxy, colour in TILE_COLOURS.items()}
    write_pmtiles(basemap, tiles, attribution=ATTRIBUTION, leaf_size=4)
    settings = Settings(
        data_dir=directory,
        storage_url=(directory / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr("map-test-secret-key-long-enough-0123456"),
        map_pmtiles=basemap,
    )
    app = create_app(settings)

    def demo_page() -> HTMLResponse:
        return HTMLResponse((HERE / "map-demo.html").read_text())

    def demo_script() -> Response:
        return Response((HERE / "map-demo.js").read_bytes(), media_type="text/javascript")

    app.add_api_route("/map-demo", demo_page, include_in_schema=False)
    app.add_api_route("/map-demo.js", demo_script, include_in_schema=False)
    with LyingHub(app).serve(lifespan=True) as (_, url):
        yield url


@dataclass
class MapPage:
    page: Page
    origin: str
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def stayed_home(self) -> None:
        """No request left the hub, and nothing went wrong in the page (CSP included)."""
        away = [
            url
            for url, _ in self.requests
            if not (url.startswith(self.origin + "/") or url.startswith(f"blob:{self.origin}/"))
        ]
        assert away == []
        assert self.errors == []

    def changes(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.page.evaluate("window.changes")
        return result


@pytest.fixture
def map_page(browser: Browser, map_hub: str) -> Iterator[MapPage]:
    page = browser.new_page(viewport={"width": 900, "height": 1000})
    opened = MapPage(page, map_hub)

    def on_request(request: Request) -> None:
        opened.requests.append((request.url, request.headers.get("range")))

    page.on("request", on_request)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    page.on(
        "response",
        lambda r: opened.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    response = page.goto(f"{map_hub}/map-demo")
    assert response is not None
    # The hub's own page policy: scripts, styles and connections from the hub only.
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy, policy
    # Predicates as functions: a string would be eval'd in the page, which its CSP forbids.
    page.wait_for_function("() => window.maps !== undefined")
    yield opened
    page.close()


def moved(start: tuple[float, float], right_px: float, down_px: float) -> tuple[float, float]:
    """Where the crosshair lands from ``start`` after a pan of so many screen pixels at ZOOM
    (Web Mercator, 256-pixel tiles): (lat, lon)."""
    size = 256 * 2**ZOOM
    lat, lon = start
    x = (lon + 180) / 360 * size + right_px
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * size
    y += down_px
    lon2 = x / size * 360 - 180
    lat2 = math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * y / size))) - math.pi / 2)
    return lat2, lon2


def near(got: tuple[float, float], want: tuple[float, float]) -> bool:
    """Within 1.5 screen pixels at ZOOM (Leaflet rounds its pixel origin)."""
    pixel_lon: float = 360 / (256 * 2**ZOOM)
    pixel_lat = pixel_lon * math.cos(math.radians(want[0]))
    return abs(got[0] - want[0]) < 1.5 * pixel_lat and abs(got[1] - want[1]) < 1.5 * pixel_lon


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus (the keyboard's way there)."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def press(page: Page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def open_drawing(map_page: MapPage, **options: Any) -> None:
    map_page.page.evaluate(
        """async (options) => {
            window.draw = await window.maps.drawArea(document.querySelector('#draw'),
                {...options, onChange: window.record});
        }""",
        {"center": list(OSLO), "zoom": ZOOM, "basemap": None, "maxAreaKm2": 0.5} | options,
    )


def test_show_map_draws_the_area_and_says_it_in_words(map_page: MapPage) -> None:
    page = map_page.page
    # #shown is set up by map.js itself, from its data attributes.
    page.wait_for_selector("#shown path.map-shape")
    description = page.text_content("#shown .map-description") or ""
    assert "A circle of radius 300 m" in description
    assert "latitude 59.9139, longitude 10.7522" in description
    assert "area about 0.282 km²" in description  # the hub's 64-gon of 300 m
    canvas = page.locator("#shown .map-canvas")
    assert canvas.get_attribute("aria-label") == "Map of the request's area"
    described_by = canvas.get_attribute("aria-describedby")
    assert page.text_content(f"#{described_by}") == description
    # The Natural Earth outlines are drawn under it: the land and the borders.
    assert page.locator("#shown path").count() >= 3
    map_page.stayed_home()


def test_show_map_draws_the_public_logs_cells(map_page: MapPage) -> None:
    cells = coarse_cells(circle_area(*OSLO, 400))
    assert len(cells) > 1
    page = map_page.page
    page.evaluate(
        """async (cells) => {
            window.shown = await window.maps.showMap(document.querySelector('#cells'),
                {cells, basemap: null, label: 'Cells of the request'});
        }""",
        cells_geojson(cells),
    )
    assert page.locator("#cells path.map-cell").count() == len(cells)
    description = page.text_content("#cells .map-description") or ""
    assert description.startswith(f"{len(cells)} map cells around latitude 59.9")
    # The view holds every cell.
    inside = page.evaluate(
        """(cells) => cells.coordinates.every(([ring]) => ring.every(([lon, lat]) =>
            window.shown.map.getBounds().contains([lat, lon])))""",
        cells_geojson(cells),
    )
    assert inside
    map_page.stayed_home()


def test_a_circle_drawn_with_the_keyboard_alone(map_page: MapPage) -> None:
    page = map_page.page
    open_drawing(map_page)
    tab_to(page, "#draw .map-canvas")
    press(page, "ArrowUp", 2)
    press(page, "ArrowRight", 3)
    press(page, "Enter")  # the centre, at the crosshair
    press(page, "]", 2)  # the radius: 200 m, then 25 m larger twice
    want = moved(OSLO, 3 * PAN_PX, -2 * PAN_PX)
    last = map_page.changes()[-1]["location"]
    assert set(last) == {"circle"}
    circle = last["circle"]
    assert circle["radius_m"] == 250
    assert near((circle["latitude"], circle["longitude"]), want), (circle, want)
    # The fields show it, the area is live, and a form posting it gets the same JSON.
    assert float(page.input_value("#draw input[data-field=latitude]")) == circle["latitude"]
    assert float(page.input_value("#draw input[data-field=longitude]")) == circle["longitude"]
    assert page.input_value("#draw input[data-field=radius_m]") == "250"
    assert "Area: about 0.196 km² (limit 0.5 km²)" in (page.text_content("#draw .map-area") or "")
    # Over the limit: said on the page, naming it.
    tab_to(page, "#draw input[data-field=radius_m]")
    page.keyboard.press("Control+A")
    page.keyboard.type("600")
    page.keyboard.press("Tab")
    assert map_page.changes()[-1]["location"]["circle"]["radius_m"] == 600
    error = page.text_content("#draw .map-error") or ""
    assert error == "The area is about 1.13 km², over the limit of 0.5 km²."
    map_page.stayed_home()


def test_a_polygon_of_four_corners_drawn_with_the_keyboard_alone(map_page: MapPage) -> None:
    page = map_page.page
    open_drawing(map_page, name="location")
    page.evaluate(
        """() => document.forms.composer.addEventListener('change', (event) => {
            const { name, value } = event.target;
            if (name === 'location') (window.formChanges ??= []).push(value);
        })"""
    )
    tab_to(page, "#draw input[type=radio]:checked")
    press(page, "ArrowDown")  # Circle -> Polygon
    tab_to(page, "#draw .map-canvas")
    # A square: corners at the start, 2 steps right, then down, then left.
    steps = [("ArrowRight", (2, 0)), ("ArrowDown", (2, 2)), ("ArrowLeft", (0, 2))]
    press(page, "Enter")
    for key, _ in steps:
        press(page, key, 2)
        press(page, "Enter")
    press(page, "ArrowUp")
    press(page, "Enter")  # a fifth corner...
    press(page, "Backspace")  # ...taken back
    assert map_page.changes()[-1]["location"] is None  # not closed yet
    tab_to(page, "#draw button[data-action=close]")
    press(page, "Enter")
    corners = [OSLO] + [moved(OSLO, dx * PAN_PX, dy * PAN_PX) for _, (dx, dy) in steps]
    polygon = map_page.changes()[-1]["location"]["polygon"]
    assert polygon["type"] == "Polygon"
    ring = polygon["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    for (lon, lat), want in zip(ring, corners, strict=False):
        assert near((lat, lon), want), (ring, corners)
    # The vertex list mirrors the corners, and the form field holds the request's JSON.
    assert page.locator("#draw .map-vertex").count() == 4
    posted = page.evaluate("JSON.parse(new FormData(document.forms.composer).get('location'))")
    assert posted == map_page.changes()[-1]["location"]
    # A form checking on "change" (the composer's htmx) hears the finished shape last.
    page.wait_for_function("() => (window.formChanges || []).at(-1)?.startsWith('{\"polygon')")
    assert page.evaluate("JSON.parse(window.formChanges.at(-1))") == posted
    map_page.stayed_home()


def test_typing_the_centre_moves_the_map(map_page: MapPage) -> None:
    page = map_page.page
    open_drawing(map_page)
    tab_to(page, "#draw input[data-field=latitude]")
    page.keyboard.type("48.8566")
    page.keyboard.press("Tab")
    page.keyboard.type("2.3522")
    page.keyboard.press("Enter")  # applies the field; the form around the map isn't sent
    assert page.url == f"{map_page.origin}/map-demo"
    assert map_page.changes()[-1]["location"] == {
        "circle": {"latitude": 48.8566, "longitude": 2.3522, "radius_m": 200}
    }
    centre = page.evaluate("(({lat, lng}) => [lat, lng])(window.draw.map.getCenter())")
    assert centre == pytest.approx([48.8566, 2.3522], abs=1e-6)
    # A latitude off the globe: named, marked invalid, and nothing to send.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("95")
    page.keyboard.press("Tab")
    assert page.text_content("#draw .map-error") == "Centre latitude: 95 is outside -90 to 90."
    first = page.locator("#draw input[data-field=latitude]")
    assert first.get_attribute("aria-invalid") == "true"
    assert map_page.changes()[-1]["location"] is None
    map_page.stayed_home()


def test_the_basemap_comes_from_the_hub_by_range_requests(map_page: MapPage) -> None:
    page = map_page.page
    # No basemap option: map.js asks GET /v1/map, which names the hub's file.
    page.evaluate(
        """async () => {
            window.shown = await window.maps.showMap(document.querySelector('#cells'),
                {geometry: {type: 'Circle', center: [59.9139, 10.7522], radius_m: 300}});
        }"""
    )
    page.wait_for_function(
        """() => { const img = document.querySelector('#cells .map-basemap img');
                   return img && img.complete && img.naturalWidth === 256; }"""
    )
    # Oslo lies in tile x 2, y 1 of zoom 2 (the file's deepest): its colour is drawn.
    colour = page.evaluate(
        """() => {
            const img = document.querySelector('#cells .map-basemap img');
            const canvas = document.createElement('canvas');
            canvas.width = canvas.height = 1;
            const context = canvas.getContext('2d');
            context.drawImage(img, 128, 128, 1, 1, 0, 0, 1, 1);
            return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3));
        }"""
    )
    assert tuple(colour) == TILE_COLOURS[(2, 2, 1)]
    credits = page.locator("#cells .leaflet-control-attribution")
    assert (credits.text_content() or "").endswith("Natural Earth, © Test tiles")
    assert credits.locator("a, img").count() == 0
    basemap = [(url, rng) for url, rng in map_page.requests if url.endswith(".pmtiles")]
    assert basemap and all(url == f"{map_page.origin}/map/basemap.pmtiles" for url, _ in basemap)
    assert all(rng is not None and rng.startswith("bytes=") for _, rng in basemap)
    assert f"{map_page.origin}/v1/map" in [url for url, _ in map_page.requests]
    map_page.stayed_home()


# (latitude, longitude, radius m) for circles, as requests draw them.
CIRCLES = [(0.0, 0.0, 399), (59.9139, 10.7522, 250), (-33.87, 151.21, 5000), (78.22, 15.65, 40)]
AREAS_M2 = [500_000, 123_456, 1_000_000, 1, 999.5, 2_500_000_000, 987_654_321]


def test_the_live_area_agrees_with_the_hubs(map_page: MapPage) -> None:
    """What the drawer shows as the area is the hub's own figure, to within 0.01 %."""
    page = map_page.page
    got = page.evaluate(
        """async ([circles, areas]) => {
            const geo = await import('/static/map-geo.js');
            return {
                circles: circles.map(([lat, lon, r]) => geo.ringArea(geo.circleRing(lat, lon, r))),
                square: geo.ringArea([[10, 59.9], [10.01, 59.9], [10.01, 59.905], [10, 59.905],
                                      [10, 59.9]]),
                texts: areas.map(geo.km2Text),
            };
        }""",
        [CIRCLES, AREAS_M2],
    )
    for (lat, lon, radius), area in zip(CIRCLES, got["circles"], strict=True):
        assert area == pytest.approx(circle_area(lat, lon, radius).area_m2, rel=1e-4)
    ring = [[10, 59.9], [10.01, 59.9], [10.01, 59.905], [10, 59.905], [10, 59.9]]
    square = polygon_area({"type": "Polygon", "coordinates": [ring]})
    assert got["square"] == pytest.approx(square.area_m2, rel=1e-4)
    assert got["texts"] == [area_km2_text(area) for area in AREAS_M2]
