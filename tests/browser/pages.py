"""The test web server's contents and helpers to drive the clip viewer page."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from importlib.resources import files
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

STATIC_DIR = Path(str(files("doorstep.hub.web") / "static"))
# Test-only files served from the site's root: the harnesses and a page for doorstep-keys.js.
TEST_FILES = {
    f"/{name}": Path(__file__).with_name(name)
    for name in (
        "harness.js",
        "keys-harness.js",
        "trust-harness.js",
        "owner-harness.js",
        "keys.html",
        "player.html",
        "player-harness.js",
    )
}
TYPES = {".html": "text/html", ".js": "text/javascript", ".json": "application/json"}


@dataclass
class Resource:
    body: bytes
    content_type: str = "application/octet-stream"
    # With a gate, the server sends the body up to ``split_at``, then waits for the gate.
    gate: threading.Event | None = None
    split_at: int = 0


class Site:
    """What the server serves: the static directory, the harness and published media."""

    def __init__(self) -> None:
        self.media: dict[str, Resource] = {}
        self.base_url = ""

    def publish(self, path: str, resource: Resource) -> str:
        self.media[path] = resource
        return self.base_url + path

    def find(self, path: str) -> Resource | None:
        if path in self.media:
            return self.media[path]
        if path in TEST_FILES:
            return Resource(TEST_FILES[path].read_bytes(), TYPES[TEST_FILES[path].suffix])
        if not path.startswith("/static/"):
            return None
        # A file in static/ or in static/vendor/, nothing else (no "..", no dot files).
        parts = path.removeprefix("/static/").split("/")
        if len(parts) > 2 or (len(parts) == 2 and parts[0] != "vendor"):
            return None
        if any(part.startswith(".") or not part for part in parts):
            return None
        file = STATIC_DIR.joinpath(*parts)
        if file.is_file():
            return Resource(file.read_bytes(), TYPES.get(file.suffix, "text/plain"))
        return None


def handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            resource = site.find(self.path.split("?", 1)[0])
            if resource is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if resource.gate is None:
                self.wfile.write(resource.body)
                return
            self.wfile.write(resource.body[: resource.split_at])
            self.wfile.flush()
            resource.gate.wait(timeout=10)
            self.wfile.write(resource.body[resource.split_at :])

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    return Handler


def open_viewer(browser: Browser, site: Site) -> Page:
    """A fresh page on the clip viewer, with the test harness imported as ``window.h``."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.base_url}/static/clip-viewer.html")
    page.evaluate("async () => { window.h = await import('/harness.js'); }")
    assert page.text_content("#status") == "Ready."
    assert errors == []
    return page


def open_keys_page(browser: Browser, site: Site, harness: str = "/keys-harness.js") -> Page:
    """A fresh page whose CSP allows WebAssembly, with ``harness`` as ``window.h``."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{site.base_url}/keys.html")
    page.evaluate("async (harness) => { window.h = await import(harness); }", harness)
    assert errors == []
    return page


def call(page: Page, function: str, *args: Any) -> Any:
    """``await h.<function>(...args)`` in the page; harness functions return plain JSON."""
    return page.evaluate(f"(args) => window.h.{function}(...args)", list(args))
