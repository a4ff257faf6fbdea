"""/keys/passphrase in Chromium against a real hub: the key's box opened with the current
passphrase and sealed under a new one in the browser, checked from Python afterwards; a
wrong current passphrase and a weak new one change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from doorstep.crypto.keys import fingerprint, key_id
from doorstep.errors import CryptoError
from doorstep.owner.keys import publish_user_key, recover_user_key
from tests.browser.owner_web import signed_in
from tests.lying_hub import ServedHub
from tests.owner.residents import Resident, sign_up

# What these tests check happens in the browser: one database backend is enough (the
# hub side of PUT /v1/me/key runs on both in tests/hub and tests/owner).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OLD = "juggle pasta obtain willow thermos gallon"
NEW = "cactus ribbon lantern banjo tulip mosaic"


@pytest.fixture
def keyholder(served_hub: ServedHub) -> Iterator[Resident]:
    resident = sign_up(served_hub.url, f"key-{uuid.uuid4().hex[:8]}@doorstep.example", "Keyholder")
    with resident.api() as api:
        publish_user_key(api, OLD)
    yield resident


def key_of(resident: Resident, passphrase: str) -> str:
    """The key id the hub's box holds, opened with ``passphrase`` (CryptoError if it can't)."""
    with resident.api() as api:
        return key_id(recover_user_key(api, passphrase).public_key())


def change(page: Page, resident: Resident, current: str, new: str) -> list[str]:
    """Fill the form and send it; the key PUTs the page makes, as they happen."""
    puts: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "PUT" and request.url.endswith("/v1/me/key"):
            puts.append(request.url)

    page.on("request", seen)
    page.get_by_label("Current passphrase").fill(current)
    page.get_by_label("New passphrase", exact=True).fill(new)
    page.get_by_label("New passphrase again").fill(new)
    page.get_by_label("Your sign-in password").fill(resident.password)
    page.get_by_label("I wrote my new passphrase down").check()
    page.get_by_role("button", name="Change my passphrase").click()
    return puts


def test_the_keys_page_links_to_the_passphrase_page(browser: Browser, keyholder: Resident) -> None:
    with signed_in(browser, keyholder, "/keys") as page:
        page.get_by_role("link", name="Change your passphrase").click()
        expect(page.get_by_role("heading", name="Change your passphrase")).to_be_visible()


def test_the_new_passphrase_opens_the_same_key_and_the_old_one_no_longer_does(
    browser: Browser, keyholder: Resident
) -> None:
    before = key_of(keyholder, OLD)
    with signed_in(browser, keyholder, "/keys/passphrase") as page:
        puts = change(page, keyholder, OLD, NEW)
        expect(page.get_by_role("heading", name="Passphrase changed")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Your key is now sealed under the new passphrase")).to_be_visible()
        assert page.locator("#fingerprint").inner_text() == fingerprint(before)
        expect(page.get_by_label("Current passphrase")).to_have_value("")
        assert len(puts) == 1
    assert key_of(keyholder, NEW) == before
    with pytest.raises(CryptoError):
        key_of(keyholder, OLD)


def test_a_wrong_current_passphrase_changes_nothing(browser: Browser, keyholder: Resident) -> None:
    before = key_of(keyholder, OLD)
    with signed_in(browser, keyholder, "/keys/passphrase") as page:
        puts = change(page, keyholder, "wrong " + OLD, NEW)
        expect(page.get_by_role("alert")).to_have_text(
            "Your current passphrase does not open your key: nothing changed.", timeout=60_000
        )
        expect(page.get_by_label("Current passphrase")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_role("button", name="Change my passphrase")).to_be_enabled()
        assert puts == []
    assert key_of(keyholder, OLD) == before
    with pytest.raises(CryptoError):
        key_of(keyholder, NEW)


@pytest.mark.parametrize(
    ("new", "words"),
    [
        ("correct horse battery", "Too easy to guess"),
        ("sign-in password of Keyholder", "is your sign-in password"),
        (OLD, "is your current one"),
    ],
)
def test_a_weak_new_passphrase_is_refused_and_nothing_is_sent(
    browser: Browser, keyholder: Resident, new: str, words: str
) -> None:
    with signed_in(browser, keyholder, "/keys/passphrase") as page:
        puts = change(page, keyholder, OLD, new)
        expect(page.get_by_role("alert")).to_contain_text(words)
        expect(page.get_by_label("New passphrase", exact=True)).to_have_attribute(
            "aria-invalid", "true"
        )
        page.wait_for_timeout(500)
        assert puts == []
    key_of(keyholder, OLD)
