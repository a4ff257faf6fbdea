"""Fixtures for the web app's tests in Chromium, over HTTPS.

- ``https_hub`` (session): a real `doorstep hub serve --tls-cert --tls-key` on SQLite
  (tests/web/hub.py); ``.url``, ``.ca``, and accounts of each role:
  ``.resident()``, ``.agency_member()``, ``.admin()``.
- ``web_world`` (session): one of everything the pages show (tests/web/world.py): a
  resident with a key, home, camera, paired device and a clip; an agency member with a
  key whose request reached the resident, who shared the clip; an admin.
- ``browser`` (package): Debian's Chromium, which accepts the hub's certificate by its
  key's SPKI hash (never "ignore all certificate errors"): pages are secure contexts.
- ``context`` / ``page``: a fresh context on the hub (``base_url``), and a page in it.
- ``sign_in(page, account)``: through the /sign-in form, as a person does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from doorstep.browser import chromium
from tests.web.hub import HttpsHub
from tests.web.world import WebWorld, make_world


@pytest.fixture(scope="session")
def https_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsHub]:
    hub = HttpsHub(tmp_path_factory.mktemp("https-hub"))
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="session")
def web_world(https_hub: HttpsHub, tmp_path_factory: pytest.TempPathFactory) -> WebWorld:
    return make_world(https_hub, tmp_path_factory.mktemp("web-world"))


# Package scope, as in tests/browser: Playwright's sync API holds an event loop in this
# thread while it runs, and anyio tests elsewhere need their own.
@pytest.fixture(scope="package")
def browser(https_hub: HttpsHub) -> Iterator[Browser]:
    # Playwright's own requests (context.request) go from its Node driver: it trusts the CA.
    with chromium(
        f"--ignore-certificate-errors-spki-list={https_hub.pin}", driver_ca=https_hub.ca
    ) as browser:
        yield browser


@pytest.fixture
def context(browser: Browser, https_hub: HttpsHub) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=https_hub.url)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    yield page
    page.close()
