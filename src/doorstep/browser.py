"""Debian's Chromium driven by Playwright: its path and launch flags, in one place, and
signing in through the hub's form as a person does.

``doorstep screenshots``, ``doorstep bench web`` and the browser tests all launch it
here. Playwright is a test dependency (``pip install 'doorstep[test]'``) and never
downloads a browser: Debian's ``chromium`` package provides it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from doorstep.errors import ConfigurationError

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (containers run it as root), no GPU, and nothing fetched on the browser's own.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def require_chromium() -> None:
    """Say what is missing before any work starts: Playwright, or the browser."""
    if find_spec("playwright") is None:
        raise ConfigurationError("playwright is not installed: pip install 'doorstep[test]'")
    if not CHROMIUM.exists():
        raise ConfigurationError(f"{CHROMIUM} is missing: install Debian's chromium package")


@contextmanager
def chromium(*extra_args: str, driver_ca: Path | None = None) -> Iterator[Browser]:
    """Headless Chromium with ``CHROMIUM_ARGS`` and ``extra_args``, closed on the way out.

    ``driver_ca``: a CA certificate for Playwright's Node driver to trust, for the requests
    it makes itself (``context.request``); the browser's own trust goes in ``extra_args``.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with _driver_trusts(driver_ca):
        playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the hub's /sign-in form (``page`` has the hub as its base URL) and
    wait until the page has left it, for the role's home or the page asked for."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/sign-in" not in address)


@contextmanager
def _driver_trusts(ca: Path | None) -> Iterator[None]:
    """NODE_EXTRA_CA_CERTS while the driver starts (it reads it once), then as it was."""
    if ca is None:
        yield
        return
    saved = os.environ.get("NODE_EXTRA_CA_CERTS")
    os.environ["NODE_EXTRA_CA_CERTS"] = str(ca)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("NODE_EXTRA_CA_CERTS")
        else:
            os.environ["NODE_EXTRA_CA_CERTS"] = saved
