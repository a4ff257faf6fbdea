"""The resident's pages over HTTPS in Chromium: settings saved with htmx, a request answered
from the inbox page (previews decrypted here, the share made here) and withdrawn from
"who holds my footage", a request declined, and the live-view links.

A home of its own (the shared web world's share stays as it is): an owner with a key, a
paired edge's clip, and two requests of a verified agency in the owner's inbox.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from doorstep.agency.keys import publish_agency_key
from doorstep.errors import Conflict
from doorstep.owner.api import HubApi
from tests.cli.test_agency import file_request
from tests.hub.shares.officers import _token
from tests.hub.shares.test_sealed_sharing import _unsigned_device
from tests.owner.residents import PASSPHRASE, Home, pair_device, record_clip
from tests.web.hub import Account, HttpsHub
from tests.web.test_clip_page import own_home
from tests.web.world import sign_in


@dataclass(frozen=True)
class Inbox:
    account: Account
    home: Home
    clip_id: uuid.UUID
    rogue_clip_id: uuid.UUID  # from a device the hub paired but the owner never signed
    officer: Account
    agency: str
    share_entry: uuid.UUID  # answered by the share test
    decline_entry: uuid.UUID  # answered by the decline test


@pytest.fixture(scope="module")
def inbox(https_hub: HttpsHub, tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    folder = tmp_path_factory.mktemp("resident-pages")
    with https_hub.trusted():
        home = own_home(https_hub.url)
        clip_id = record_clip(folder, home, pair_device(home))
        rogue_clip_id = record_clip(folder, home, _unsigned_device(home))
        officer = https_hub.agency_member()
        with HubApi(https_hub.url, _token(https_hub.url, officer.email, officer.password)) as api:
            publish_agency_key(api, folder / "agency.key")
            agency = api.call("GET", "/v1/agency")["name"]
            shared = file_request(api, "CASE-RESIDENT-1")["id"]
            declined = file_request(api, "CASE-RESIDENT-2")["id"]
        with home.owner.api() as owner:
            entries = {e["request"]["id"]: e["id"] for e in owner.call("GET", "/v1/inbox")["data"]}
    account = Account(home.owner.email, home.owner.password, "resident", home.owner.user_id)
    return Inbox(
        account,
        home,
        clip_id,
        rogue_clip_id,
        officer,
        agency,
        uuid.UUID(entries[shared]),
        uuid.UUID(entries[declined]),
    )


@pytest.fixture
def owner_page(context: BrowserContext, inbox: Inbox) -> Iterator[Page]:
    """The owner signed in through /sign-in; no script error may happen."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, inbox.account)
    yield page
    assert errors == []


def test_settings_save_with_htmx_and_show_errors_by_the_field(
    owner_page: Page, inbox: Inbox, https_hub: HttpsHub
) -> None:
    page = owner_page
    page.goto("/home")
    page.get_by_role("link", name=re.compile("^Settings for ")).click()
    expect(page.get_by_role("heading", name=re.compile("^Settings of "), level=1)).to_be_visible()
    page.evaluate("window.notReloaded = true")  # gone if a form reloaded the page
    status = page.locator("#settings-status")

    page.get_by_label("Keep clips for (days, 1 to 365)").fill("14")
    page.get_by_role("button", name="Save retention").click()
    expect(status).to_contain_text("are kept 14 days.")

    zone = page.get_by_label("Time zone of the quiet hours")
    page.get_by_label("Quiet from (HH:MM)").fill("22:00")
    page.get_by_label("Quiet until (HH:MM)").fill("07:00")
    page.get_by_label("Fire services").uncheck()
    zone.fill("Mars/Olympus")
    page.get_by_role("button", name="Save request settings").click()
    error = page.locator("#requests-time_zone-error")
    expect(error).to_contain_text("'Mars/Olympus' is not an IANA time zone")
    expect(status).to_have_text("Not saved: check the field marked below.")
    expect(zone).to_have_attribute("aria-invalid", "true")

    zone.fill("Europe/Berlin")  # the form came back with the other values kept
    page.get_by_role("button", name="Save request settings").click()
    expect(status).to_contain_text("quiet 22:00–07:00 (Europe/Berlin)")
    expect(error).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    home_id = inbox.home.home_id
    with https_hub.trusted(), inbox.home.owner.api() as api:
        assert api.call("GET", f"/v1/homes/{home_id}")["retention_days"] == 14
        saved = api.call("GET", f"/v1/homes/{home_id}/request-settings")
    assert saved["time_zone"] == "Europe/Berlin" and "fire" not in saved["agency_kinds"]
    assert (saved["quiet_start"], saved["quiet_end"]) == ("22:00", "07:00")


def test_share_from_the_inbox_page_then_withdraw_it(
    owner_page: Page, inbox: Inbox, https_hub: HttpsHub
) -> None:
    page = owner_page
    page.goto(f"/inbox/{inbox.share_entry}")
    expect(page.get_by_role("heading", name=f"Request from {inbox.agency}")).to_be_visible()
    expect(page.locator("#area-text")).to_contain_text("km² centred at latitude")

    page.get_by_role("button", name="Show previews (decrypted in this browser)").click()
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    status = page.locator("#inbox-status")
    # The signed device's snapshot opens here; the unsigned device's is refused, named why.
    expect(status).to_have_text("1 of 2 previews decrypted and verified in your browser.")
    preview = page.locator(f'img[data-clip-id="{inbox.clip_id}"]')
    expect(preview).to_be_visible()
    assert (preview.get_attribute("src") or "").startswith("blob:")
    expect(page.locator(f'img[data-clip-id="{inbox.rogue_clip_id}"]')).to_be_hidden()
    expect(page.get_by_text(re.compile("Preview refused: .*owner-signed key list"))).to_be_visible()

    page.locator(f"#clip-{inbox.clip_id}").check()
    page.get_by_role("button", name=f"Share chosen clips with {inbox.agency}").click()
    expect(status).to_contain_text(f"Shared 1 clip(s) with {inbox.agency} until")
    expect(page.locator("#entry-answer")).to_have_text("You shared clips")

    page.goto("/receipts")
    expect(page.get_by_role("link", name=re.compile("Download the signed receipt"))).to_be_visible()

    page.goto("/holdings")
    page.get_by_role("link", name=re.compile(f"Withdraw the share with {inbox.agency}")).click()
    expect(
        page.get_by_role("heading", name=f"Withdraw the share with {inbox.agency}?")
    ).to_be_visible()
    page.get_by_role("button", name="Withdraw now").click()
    expect(page).to_have_url(re.compile(r"/holdings\?done=withdrawn$"))
    expect(page.locator("#holdings-status")).to_contain_text("keys to those clips are deleted")
    expect(page.locator("#holdings-none")).to_be_visible()

    with https_hub.trusted(), inbox.home.owner.api() as api:
        [mine] = api.call("GET", "/v1/me/shares")["data"]
    assert mine["end_reason"] == "withdrawn"
    with https_hub.trusted():
        token = _token(https_hub.url, inbox.officer.email, inbox.officer.password)
        with HubApi(https_hub.url, token) as officer, pytest.raises(Conflict):
            officer.download(f"/v1/agency/shares/{mine['id']}/package")


def test_decline_from_the_inbox_page(owner_page: Page, inbox: Inbox, https_hub: HttpsHub) -> None:
    page = owner_page
    page.goto("/inbox")
    expect(page.get_by_role("link", name=re.compile(inbox.agency))).to_have_count(2)
    page.goto(f"/inbox/{inbox.decline_entry}")
    page.get_by_role("button", name="Decline this request").click()
    expect(page.locator("#inbox-status")).to_have_text(
        "Declined. The agency is not told: to it this looks like no answer."
    )
    expect(page.locator("#entry-answer")).to_have_text("You declined")
    expect(page.get_by_role("button", name="Decline this request")).to_have_count(0)
    with https_hub.trusted(), inbox.home.owner.api() as api:
        assert api.call("GET", f"/v1/inbox/{inbox.decline_entry}")["answer"] == "declined"


def test_live_view_links_use_the_edge_address_kept_in_this_browser(
    owner_page: Page, inbox: Inbox
) -> None:
    page = owner_page
    page.goto("/home")
    link = page.get_by_role("link", name="Live view of Door (home network)")
    expect(link).to_have_attribute("href", "#live-view")
    address = page.get_by_label("Edge address on your home network")
    address.fill("http://edge.lan/some/path")
    page.get_by_role("button", name="Use this address").click()
    expect(page.locator("#live-view-status")).to_contain_text("That is not an address")
    address.fill("192.168.1.20")
    page.get_by_label("Live-view token (optional)").fill("tok en")
    page.get_by_role("button", name="Use this address").click()
    live = f"http://192.168.1.20:8090/cameras/{inbox.home.camera_id}?token=tok+en"
    expect(link).to_have_attribute("href", live)
    page.reload()  # kept in this browser, never sent to the hub
    expect(link).to_have_attribute("href", live)
    expect(page.get_by_role("link", name="Timeline of Door")).to_have_attribute(
        "href", f"/cameras/{inbox.home.camera_id}"
    )
