"""/pair and /keys in Chromium against a real hub.

Pairing: for a home with no key yet, the page makes the home key and signs the first
list, shows a code whose owner tag binds the owner's signing key (checked here as an edge
checks it), and signs the device into the list once its tag checks; the Python client
verifies the chain the browser signed. A device whose tag doesn't match the code is
refused and nothing is signed. Keys: the safety numbers are Python's, and a checkpoint
older than one the browser saw raises the alarm.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from playwright.sync_api import Browser, Page, expect

from doorstep.crypto.keys import fingerprint, key_id, public_raw
from doorstep.crypto.pairing import check_tag, owner_tag, split_code
from doorstep.crypto.safety import format_safety_number, safety_number
from doorstep.crypto.signing_keys import signing_key_of
from doorstep.owner.keys import home_private_keys, publish_user_key
from doorstep.owner.trust import UserKey
from tests.browser.owner_web import signed_in
from tests.hub.actors import TEST_BOX
from tests.lying_hub import ServedHub
from tests.owner.residents import (
    PASSPHRASE,
    Home,
    Resident,
    add_member,
    device_pairs,
    make_home,
    newest_list,
    sign_up,
    with_key,
)

# What these tests check happens in the browser: one database backend is enough (the
# hub side of each flow runs on both in tests/hub and tests/owner).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def bare_home(served_hub: ServedHub) -> tuple[Resident, uuid.UUID]:
    """An owner with a key and a home that has no home key nor key list yet."""
    owner = with_key(sign_up(served_hub.url, f"o-{uuid.uuid4().hex[:8]}@doorstep.example", "Olu"))
    with owner.api() as api:
        home = api.call("POST", "/v1/homes", json={"name": "Maple Street"})
    return owner, uuid.UUID(home["id"])


def unlock_in_dialog(page: Page) -> None:
    dialog = page.get_by_role("dialog", name="Unlock your key")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Passphrase").fill(PASSPHRASE)
    dialog.get_by_role("button", name="Unlock").click()


def check_the_log_clean(page: Page) -> None:
    """Unlock and check the log on the keys page; it finds nothing wrong."""
    page.get_by_role("button", name="Unlock and check the log").click()
    unlock_in_dialog(page)
    expect(page.locator("#log-summary")).to_contain_text("no alarm", timeout=30_000)


def shown_code(page: Page) -> str:
    page.get_by_role("button", name="Make a pairing code").click()
    unlock_in_dialog(page)
    code = page.locator("#code")
    expect(code).to_have_text(
        re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}(-[0-9A-Z]{4}){3}$"), timeout=30_000
    )
    return code.inner_text()


def edge_checks_owner(url: str, code: str, owner: Resident) -> None:
    """What an edge checks before pairing: the code's owner tag binds the served owner key."""
    hub_part, secret = split_code(code)
    answer = httpx.post(f"{url}/v1/devices/pairing-owner", json={"code": hub_part}).json()
    signing = base64.b64decode(answer["owner_signing_key"])
    assert signing == public_raw(signing_key_of(owner.user_key).public_key())
    check_tag(
        owner_tag(secret, uuid.UUID(answer["home_id"]), signing),
        base64.b64decode(answer["owner_tag"]),
    )


@dataclass(frozen=True)
class Pairing:
    owner: Resident
    home_id: uuid.UUID
    page: Page
    code: str
    device_public: bytes


@pytest.fixture
def pairing(browser: Browser, served_hub: ServedHub) -> Iterator[Pairing]:
    """A home without keys, its owner on /pair showing a code, and an edge's public key."""
    owner, home_id = bare_home(served_hub)
    device_public = public_raw(Ed25519PrivateKey.generate().public_key())
    with signed_in(browser, owner, "/pair") as page:
        yield Pairing(owner, home_id, page, shown_code(page), device_public)


def test_pairing_in_the_browser_makes_the_home_key_and_signs_the_device(
    pairing: Pairing, served_hub: ServedHub
) -> None:
    owner, page, device_public = pairing.owner, pairing.page, pairing.device_public
    edge_checks_owner(served_hub.url, pairing.code, owner)
    device_pairs(served_hub.url, pairing.code, device_public)
    expect(page.locator("#pair-status")).to_contain_text("Paired: edge", timeout=30_000)
    expect(page.locator("#pair-status")).to_contain_text(fingerprint(key_id(device_public)))
    newest = newest_list(owner, pairing.home_id)
    assert newest.version == 2
    assert [d.public_key for d in newest.devices] == [device_public]
    assert [m.user_id for m in newest.owners()] == [owner.user_id]


def test_a_device_whose_tag_does_not_match_the_code_is_refused(
    pairing: Pairing, served_hub: ServedHub
) -> None:
    device_pairs(served_hub.url, pairing.code, pairing.device_public, tag_secret="0" * 12)
    expect(pairing.page.get_by_role("alert")).to_contain_text(
        "not the device the code was typed on", timeout=30_000
    )
    newest = newest_list(pairing.owner, pairing.home_id)
    assert newest.version == 1 and newest.devices == ()


@pytest.fixture
def household(served_hub: ServedHub) -> tuple[Home, Resident]:
    home = make_home(served_hub.url)
    return home, with_key(add_member(home))


def test_the_keys_page_shows_pythons_safety_numbers(
    browser: Browser, household: tuple[Home, Resident]
) -> None:
    home, member = household
    me = UserKey.of(home.owner.user_id, home.owner.user_key)
    them = UserKey.of(member.user_id, member.user_key)
    number = format_safety_number(
        safety_number(me.signing_key, me.public_key, them.signing_key, them.public_key)
    )
    with signed_in(browser, home.owner, "/keys") as page:
        expect(page.locator("#my-fingerprint")).to_have_text(fingerprint(me.key_id))
        expect(page.get_by_role("cell", name=number)).to_be_visible(timeout=30_000)
        expect(page.get_by_role("cell", name=fingerprint(them.key_id))).to_be_visible()
        expect(page.locator("#alarms")).to_be_hidden()


def test_a_rolled_back_checkpoint_raises_the_alarm_on_the_keys_page(
    browser: Browser, served_hub: ServedHub, household: tuple[Home, Resident]
) -> None:
    home, _ = household
    with signed_in(browser, home.owner, "/keys") as page:
        check_the_log_clean(page)
        first = httpx.get(f"{served_hub.url}/v1/audit/checkpoints", params={"limit": 1}).json()
        served_hub.lying.rewrite("GET", "/v1/audit/checkpoint", lambda _: first["data"][0])
        page.reload()
        alarms = page.get_by_role("alert")
        expect(alarms).to_contain_text("rollback: the log is at size", timeout=30_000)


def test_the_owner_gives_a_member_access_from_the_keys_page(
    browser: Browser, household: tuple[Home, Resident]
) -> None:
    home, member = household
    with signed_in(browser, home.owner, "/keys") as page:
        page.get_by_role("button", name="Give Member access").click()
        unlock_in_dialog(page)
        expect(page.get_by_role("cell", name="in the signed list", exact=True)).to_be_visible(
            timeout=30_000
        )
    with member.api() as api:
        opened = home_private_keys(api, home.home_id, member.user_key)
    newest = newest_list(home.owner, home.home_id)
    assert list(opened) == [newest.current_home_key().id]
    listed = newest.member(member.user_id)
    assert listed is not None and not listed.owner
    assert listed.public_key == public_raw(member.user_key.public_key())


def test_a_member_key_the_hub_swapped_gets_no_access_button_and_an_alarm(
    browser: Browser, served_hub: ServedHub, household: tuple[Home, Resident]
) -> None:
    home, member = household
    swapped = base64.b64encode(public_raw(X25519PrivateKey.generate().public_key())).decode()
    served_hub.lying.rewrite(
        "GET",
        r"/v1/homes/[^/]+/member-keys",
        lambda page: {
            **page,
            "data": [
                {**row, "public_key": swapped} if row["user_id"] == str(member.user_id) else row
                for row in page["data"]
            ],
        },
    )
    with signed_in(browser, home.owner, "/keys") as page:
        expect(page.get_by_role("alert")).to_contain_text("does not match its id", timeout=30_000)
        expect(page.get_by_role("button", name="Give Member access")).to_have_count(0)
    with member.api() as api:
        assert home_private_keys(api, home.home_id, member.user_key) == {}


def test_a_key_published_for_the_account_elsewhere_raises_the_alarm(
    browser: Browser, household: tuple[Home, Resident]
) -> None:
    home, _ = household
    with signed_in(browser, home.owner, "/keys") as page:
        check_the_log_clean(page)
        with home.owner.api() as api:  # another client publishes a new key for the account
            other = publish_user_key(api, "another client's long passphrase", parameters=TEST_BOX)
        page.reload()
        expect(page.get_by_role("alert")).to_contain_text(
            "a key for your account that this browser did not make: "
            + fingerprint(key_id(other.public_key())),
            timeout=30_000,
        )
