"""The key session in Chromium (static/owner-session.js): the Unlock dialog, and an
unlocked key kept in the page's memory only, never in the browser's storage."""

from __future__ import annotations

import base64
import uuid

import pytest
from playwright.sync_api import Browser, expect

from doorstep.crypto.keys import fingerprint, key_id, private_raw
from tests.browser.owner_web import signed_in
from tests.lying_hub import ServedHub
from tests.owner.residents import PASSPHRASE, Resident, sign_up, with_key

# What these tests check happens in the browser: one database backend is enough (the
# hub side of each flow runs on both in tests/hub and tests/owner).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def resident(served_hub: ServedHub) -> Resident:
    return with_key(sign_up(served_hub.url, f"r-{uuid.uuid4().hex[:8]}@doorstep.example", "Ria"))


STORED = """async () => {
  const all = [JSON.stringify(Object.entries(localStorage)),
               JSON.stringify(Object.entries(sessionStorage))];
  return { text: all.join('\\n'), databases: (await indexedDB.databases()).map((d) => d.name) };
}"""


def test_the_unlocked_key_stays_in_memory_and_lock_drops_it(
    browser: Browser, resident: Resident
) -> None:
    raw = private_raw(resident.user_key)
    with signed_in(browser, resident, "/keys/setup") as page:
        page.evaluate(
            """async () => {
              const session = await import('/static/owner-session.js');
              window.keyPromise = session.getUnlockedKey();
            }"""
        )
        dialog = page.get_by_role("dialog", name="Unlock your key")
        dialog.get_by_label("Passphrase").fill("not the passphrase at all")
        dialog.get_by_role("button", name="Unlock").click()
        expect(dialog.get_by_role("alert")).to_contain_text(
            "Not unlocked: the passphrase does not open the private key", timeout=30_000
        )
        dialog.get_by_label("Passphrase").fill(PASSPHRASE)
        dialog.get_by_role("button", name="Unlock").click()
        expect(dialog).to_be_hidden(timeout=30_000)
        key = page.evaluate(
            """async () => {
              const key = await window.keyPromise;
              return { fingerprint: key.fingerprint, extractable: key.x25519Private.extractable,
                       signingExtractable: key.signingKey.extractable };
            }"""
        )
        assert key == {
            "fingerprint": fingerprint(key_id(resident.user_key.public_key())),
            "extractable": False,
            "signingExtractable": False,
        }
        stored = page.evaluate(STORED)
        assert stored["databases"] == []
        for spelling in (raw.hex(), base64.b64encode(raw).decode(), PASSPHRASE):
            assert spelling not in stored["text"]
        assert "doorstep.trust.known." in stored["text"]  # ids only: this browser opened it
        locked = page.evaluate(
            """async () => {
              const session = await import('/static/owner-session.js');
              session.lock();
              try {
                await session.getUnlockedKey({ prompt: false });
                return null;
              } catch (error) {
                return [error.name, session.isUnlocked()];
              }
            }"""
        )
        assert locked == ["KeyLocked", False]


def test_cancelling_the_dialog_is_a_clear_refusal(browser: Browser, resident: Resident) -> None:
    with signed_in(browser, resident, "/keys/setup") as page:
        page.evaluate(
            """async () => {
              const session = await import('/static/owner-session.js');
              window.outcome = session.getUnlockedKey().then(
                () => 'unlocked', (error) => `${error.name}: ${error.message}`);
            }"""
        )
        page.get_by_role("dialog", name="Unlock your key").get_by_role(
            "button", name="Cancel"
        ).click()
        assert page.evaluate("() => window.outcome") == (
            "KeyLocked: unlock your key to go on: this page needs your passphrase"
        )
