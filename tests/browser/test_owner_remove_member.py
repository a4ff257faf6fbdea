"""Removing a household member on the owner's web page, as `doorstep keys remove-member`
does: the member goes, then the owner's browser makes a new home key, wraps it to everyone
left and signs a key list that names the member removed. Done from the keyboard alone."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import Browser, Request, expect

from doorstep.crypto.envelope import home_subject
from doorstep.crypto.keys import key_id
from doorstep.crypto.unwrap import unwrap_key
from doorstep.errors import CryptoError, NotFound
from doorstep.owner.keys import grant_member, home_private_keys, signed_list
from doorstep.owner.trust import KeyChecker
from tests.browser.owner_web import signed_in
from tests.browser.test_owner_pair_keys import unlock_in_dialog
from tests.lying_hub import ServedHub
from tests.owner.residents import add_member, make_home

# What this checks happens in the browser; the hub's side runs on both backends in
# tests/owner/test_household.py.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_owner_removes_a_member_and_the_new_home_key_is_closed_to_them(
    browser: Browser, served_hub: ServedHub
) -> None:
    home = make_home(served_hub.url)
    member = add_member(home)
    with home.owner.api() as api:
        grant_member(api, home.home_id, home.owner.user_key, member.user_id)
        checker = KeyChecker(api)
        before = signed_list(checker, home.home_id, checker.me(home.owner.user_key))
    with member.api() as api:
        held = home_private_keys(api, home.home_id, member.user_key)
    assert list(held) == [before.current_home_key().id]  # they could open clips until now
    rotations: list[Request] = []
    with signed_in(browser, home.owner, f"/homes/{home.home_id}/settings") as page:

        def keep_rotation(request: Request) -> None:
            if request.method == "POST" and request.url.endswith(f"/{home.home_id}/keys"):
                rotations.append(request)

        page.on("request", keep_rotation)
        members = page.locator("#members")
        expect(members).to_contain_text(member.email)
        page.get_by_role("link", name="Remove Member").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Remove Member from Home?")
        expect(page.get_by_role("main")).to_contain_text(
            "makes a new home key and signs a new key list that leaves Member out"
        )
        confirm = page.get_by_role("button", name="Remove Member and make a new home key")
        expect(confirm).to_be_enabled()  # once the page's script runs
        confirm.focus()
        page.keyboard.press("Enter")
        # Without the key nothing is removed: cancelling the unlock leaves the member in.
        page.get_by_role("dialog", name="Unlock your key").press("Escape")
        expect(page.locator("#remove-error")).to_contain_text("Nothing was removed")
        with home.owner.api() as api:
            listed = api.call("GET", f"/v1/homes/{home.home_id}/members")["data"]
        assert str(member.user_id) in [row["user_id"] for row in listed]
        confirm.focus()
        page.keyboard.press("Enter")
        unlock_in_dialog(page)
        status = page.get_by_role("status")
        expect(status).to_contain_text("Removed Member. New home key", timeout=30_000)
        expect(status).to_contain_text(f"key list version {before.version + 1} signed by you")
        expect(page.get_by_role("alert")).to_be_hidden()
        back = page.get_by_role("link", name="Back to the settings of Home")
        expect(back).to_be_focused()
        page.keyboard.press("Enter")
        expect(members).to_contain_text(home.owner.email)
        expect(members).not_to_contain_text(member.email)
    with home.owner.api() as api:
        checker = KeyChecker(api)
        after = signed_list(checker, home.home_id, checker.me(home.owner.user_key))
    new_key = after.current_home_key()
    assert after.version == before.version + 1 and new_key.id != before.current_home_key().id
    assert [m.user_id for m in after.members] == [home.owner.user_id]
    assert after.removed == ((member.user_id, key_id(member.user_key.public_key())),)
    # The new home key went to the owner only, and nothing sent opens with the member's key.
    [rotation] = rotations
    grants = json.loads(rotation.post_data or "{}")["grants"]
    assert [g["user_key_id"] for g in grants] == [key_id(home.owner.user_key.public_key())]
    for grant in grants:
        with pytest.raises(CryptoError):
            unwrap_key(
                base64.b64decode(grant["wrapped_key"]),
                recipient=member.user_key,
                subject=home_subject(new_key.id),
            )
    with member.api() as api, pytest.raises(NotFound):
        home_private_keys(api, home.home_id, member.user_key)
