"""/keys/setup in Chromium against a real hub: the keys made and sealed in the browser are
published, and the Python client recovers them with the passphrase; weak passphrases and
the sign-in password are refused on the page, and nothing is published."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from doorstep.crypto.keys import fingerprint, key_id
from doorstep.owner.keys import recover_user_key
from tests.browser.owner_web import signed_in
from tests.lying_hub import ServedHub
from tests.owner.residents import Resident, sign_up

# What these tests check happens in the browser: one database backend is enough (the
# hub side of each flow runs on both in tests/hub and tests/owner).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def newcomer(served_hub: ServedHub) -> Resident:
    return sign_up(served_hub.url, f"new-{uuid.uuid4().hex[:8]}@doorstep.example", "Newcomer")


def fill(page: Page, passphrase: str, password: str) -> None:
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    page.get_by_label("Passphrase again").fill(passphrase)
    page.get_by_label("Your sign-in password").fill(password)
    page.get_by_label("I wrote my passphrase down").check()
    page.get_by_role("button", name="Make my keys").click()


def published(resident: Resident) -> bool:
    answer = httpx.get(
        f"{resident.url}/v1/me/key", headers={"Authorization": f"Bearer {resident.token}"}
    )
    return answer.status_code == 200


def test_keys_made_in_the_browser_are_recovered_by_the_python_client(
    browser: Browser, newcomer: Resident
) -> None:
    with signed_in(browser, newcomer, "/keys/setup") as page:
        expect(page.get_by_role("heading", name="What your keys are")).to_be_visible()
        page.get_by_role("button", name="Suggest a passphrase").click()
        expect(page.locator("#suggestion")).to_contain_text("Suggested: ")
        words = page.locator("#suggestion").inner_text().removeprefix("Suggested: ")
        passphrase = words.removesuffix(" (write it down now)")
        assert len(passphrase.split()) == 6
        page.get_by_label("Your sign-in password").fill(newcomer.password)
        page.get_by_label("I wrote my passphrase down").check()
        page.get_by_role("button", name="Make my keys").click()
        expect(page.get_by_role("heading", name="Your keys are ready")).to_be_visible(
            timeout=60_000
        )
        expect(page.locator("#setup-form")).to_be_hidden()
        expect(page.get_by_label("Passphrase", exact=True)).to_have_value("")
        shown = page.locator("#fingerprint").inner_text()
    with newcomer.api() as api:
        private = recover_user_key(api, passphrase)
    assert fingerprint(key_id(private.public_key())) == shown


@pytest.mark.parametrize(
    ("passphrase", "words"),
    [
        ("correct horse battery", "Too easy to guess"),
        ("abacus abacus abacus abacus abacus abacus", "Too easy to guess"),
        ("sign-in password of Newcomer", "is your sign-in password"),
    ],
)
def test_a_weak_passphrase_or_the_sign_in_password_is_refused_on_the_page(
    browser: Browser, newcomer: Resident, passphrase: str, words: str
) -> None:
    with signed_in(browser, newcomer, "/keys/setup") as page:
        fill(page, passphrase, newcomer.password)
        expect(page.get_by_role("alert")).to_contain_text(words)
        expect(page.get_by_role("button", name="Make my keys")).to_be_enabled()
    assert not published(newcomer)
