"""The harness itself: the hub answers over HTTPS only to clients trusting its CA, and
Chromium opens its pages as secure contexts (WebCrypto there) with each role signed in."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page

from tests.web.hub import HttpsHub
from tests.web.world import WebWorld, sign_in

HOMES = {"resident": "/home", "agency": "/agency", "admin": "/admin"}


def test_only_a_client_trusting_the_ca_connects(https_hub: HttpsHub) -> None:
    assert httpx.get(f"{https_hub.url}/healthz", verify=https_hub.ssl_context()).is_success
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{https_hub.url}/healthz")


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_signs_in_on_a_secure_page(page: Page, web_world: WebWorld, role: str) -> None:
    account = web_world.account(role)
    assert account is not None
    sign_in(page, account)
    assert page.url.endswith(HOMES[role])
    assert page.evaluate("window.isSecureContext && typeof crypto.subtle.importKey")
    answer = page.request.get("/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=")
