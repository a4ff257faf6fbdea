"""Browser fixtures: a local web server for the static files and one headless Chromium.

127.0.0.1 is a secure context, so WebCrypto is available to the page. The browser is
Debian's Chromium, launched by doorstep.browser; Playwright never downloads one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page

from doorstep.browser import chromium
from tests.browser.pages import Site, handler_for, open_keys_page, open_viewer


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(site))
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# Package scope, not session: while Playwright's sync API is running, asyncio sees a running
# event loop in this thread, and anyio's tests that follow could not start their own.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    page = open_viewer(browser, site)
    yield page
    page.close()


@pytest.fixture(scope="module")
def shared_page(browser: Browser, site: Site) -> Iterator[Page]:
    """One page for many small evaluations (the vectors)."""
    page = open_viewer(browser, site)
    yield page
    page.close()


@pytest.fixture(scope="module")
def keys_page(browser: Browser, site: Site) -> Iterator[Page]:
    """One page for doorstep-keys.js: its CSP allows the WebAssembly that Argon2id needs."""
    page = open_keys_page(browser, site)
    yield page
    page.close()


@pytest.fixture(scope="module")
def trust_page(browser: Browser, site: Site) -> Iterator[Page]:
    """One page for the key checks: doorstep-trust.js and the signing keys."""
    page = open_keys_page(browser, site, "/trust-harness.js")
    yield page
    page.close()
