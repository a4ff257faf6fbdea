"""doorstep.browser: a missing Chromium is named before any work; the driver's CA setting
is put back as it was once Playwright has started."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from doorstep import browser
from doorstep.errors import ConfigurationError


def test_a_missing_chromium_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "chromium"
    monkeypatch.setattr(browser, "CHROMIUM", missing)
    with pytest.raises(ConfigurationError, match=f"^{missing} is missing: install Debian's"):
        browser.require_chromium()
    with pytest.raises(ConfigurationError, match="is missing"), browser.chromium():
        pytest.fail("no browser without its executable")


def test_the_driver_ca_is_set_only_while_playwright_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", "/etc/ssl/before.pem")
    ca = tmp_path / "ca.pem"
    ca.write_text("")  # Node warns about an unreadable file and goes on
    with browser.chromium("--user-agent=Doorstep test", driver_ca=ca) as launched:
        assert launched.is_connected()
        assert os.environ["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/before.pem"
        page = launched.new_page()
        assert page.evaluate("navigator.userAgent") == "Doorstep test"
    assert not launched.is_connected()
    monkeypatch.delenv("NODE_EXTRA_CA_CERTS")
    with browser.chromium(driver_ca=ca):
        assert "NODE_EXTRA_CA_CERTS" not in os.environ
