# ruff: noqa: F811  (world, imported as a fixture, is a test argument)
"""The resident's pages in Chromium against a real hub: settings saved with htmx, a
request answered from the inbox page (previews decrypted here, the share made here), the
share withdrawn from "who holds my footage", and a request declined.

The world is tests/hub/shares/test_sealed_sharing.py's: an owner with a key, a paired
device's clip and one from a device the owner never signed, and an agency's request in
the owner's inbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from doorstep.errors import Conflict
from tests.hub.shares.test_sealed_sharing import World, world  # noqa: F401 (a fixture)
from tests.owner.residents import PASSPHRASE


@pytest.fixture
def owner_page(browser: Browser, world: World) -> Iterator[Page]:
    """The home's owner signed in, on a page of the hub; no script error may happen."""
    context = browser.new_context(base_url=world.served.url)
    owner = world.home.owner
    signed_in = context.request.post(
        "/v1/auth/login", data={"email": owner.email, "password": owner.password}
    )
    assert signed_in.ok, signed_in.text()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == []
    context.close()


def test_settings_save_with_htmx_and_show_errors_by_the_field(
    owner_page: Page, world: World
) -> None:
    page = owner_page
    home_id = world.home.home_id
    page.goto("/home")
    page.get_by_role("link", name="Settings for Home").click()
    expect(page.get_by_role("heading", name="Settings of Home", level=1)).to_be_visible()
    page.evaluate("window.notReloaded = true")  # gone if a form reloaded the page
    status = page.locator("#settings-status")

    page.get_by_label("Keep clips for (days, 1 to 365)").fill("14")
    page.get_by_role("button", name="Save retention").click()
    expect(status).to_have_text("Saved: clips of Home are kept 14 days.")

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

    with world.home.owner.api() as api:
        assert api.call("GET", f"/v1/homes/{home_id}")["retention_days"] == 14
        saved = api.call("GET", f"/v1/homes/{home_id}/request-settings")
    assert saved["time_zone"] == "Europe/Berlin" and "fire" not in saved["agency_kinds"]
    assert (saved["quiet_start"], saved["quiet_end"]) == ("22:00", "07:00")


def test_share_from_the_inbox_page_then_withdraw_it(owner_page: Page, world: World) -> None:
    page = owner_page
    page.goto("/inbox")
    page.get_by_role("link", name=re.compile("Test Police")).click()
    expect(page.get_by_role("heading", name="Request from Test Police")).to_be_visible()
    expect(page.locator("#area-text")).to_contain_text("km² centred at latitude")

    page.get_by_role("button", name="Show previews (decrypted in this browser)").click()
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    status = page.locator("#inbox-status")
    # The signed device's snapshot opens here; the unsigned device's is refused.
    expect(status).to_have_text("1 of 2 previews decrypted and verified in your browser.")
    preview = page.locator(f'img[data-clip-id="{world.clip_id}"]')
    expect(preview).to_be_visible()
    assert preview.get_attribute("src", timeout=1000).startswith("blob:")
    expect(page.locator(f'img[data-clip-id="{world.rogue_clip_id}"]')).to_be_hidden()

    page.locator(f"#clip-{world.clip_id}").check()
    page.get_by_role("button", name="Share chosen clips with Test Police").click()
    expect(status).to_contain_text("Shared 1 clip(s) with Test Police until")
    expect(page.locator("#entry-answer")).to_have_text("You shared clips")

    page.goto("/receipts")
    expect(page.get_by_role("link", name=re.compile("Download the signed receipt"))).to_be_visible()

    page.goto("/holdings")
    page.get_by_role("link", name=re.compile("Withdraw the share with Test Police")).click()
    expect(page.get_by_role("heading", name="Withdraw the share with Test Police?")).to_be_visible()
    page.get_by_role("button", name="Withdraw now").click()
    expect(page).to_have_url(re.compile(r"/holdings\?done=withdrawn$"))
    expect(page.locator("#holdings-status")).to_contain_text("keys to those clips are deleted")
    expect(page.locator("#holdings-none")).to_be_visible()

    with world.home.owner.api() as api:
        [mine] = api.call("GET", "/v1/me/shares")["data"]
    assert mine["end_reason"] == "withdrawn"
    with pytest.raises(Conflict):
        world.officer.download(f"/v1/agency/shares/{mine['id']}/package")


def test_decline_from_the_inbox_page(owner_page: Page, world: World) -> None:
    page = owner_page
    page.goto(f"/inbox/{world.entry_id}")
    page.get_by_role("button", name="Decline this request").click()
    expect(page.locator("#inbox-status")).to_have_text(
        "Declined. The agency is not told: to it this looks like no answer."
    )
    expect(page.locator("#entry-answer")).to_have_text("You declined")
    expect(page.get_by_role("button", name="Decline this request")).to_have_count(0)
    with world.home.owner.api() as api:
        assert api.call("GET", f"/v1/inbox/{world.entry_id}")["answer"] == "declined"


def test_live_view_links_use_the_edge_address_kept_in_this_browser(
    owner_page: Page, world: World
) -> None:
    page = owner_page
    page.goto("/home")
    link = page.get_by_role("link", name="Live view of Door (home network)")
    expect(link).to_have_attribute("href", "#live-view")
    page.get_by_label("Edge address on your home network").fill("http://edge.lan/some/path")
    page.get_by_role("button", name="Use this address").click()
    expect(page.locator("#live-view-status")).to_contain_text("That is not an address")
    page.get_by_label("Edge address on your home network").fill("192.168.1.20")
    page.get_by_label("Live-view token (optional)").fill("tok en")
    page.get_by_role("button", name="Use this address").click()
    live = f"http://192.168.1.20:8090/cameras/{world.home.camera_id}?token=tok+en"
    expect(link).to_have_attribute("href", live)
    page.reload()  # kept in this browser, never sent to the hub
    expect(link).to_have_attribute("href", live)
    expect(page.get_by_role("link", name="Timeline of Door")).to_have_attribute(
        "href", f"/cameras/{world.home.camera_id}"
    )
