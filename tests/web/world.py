"""One of everything the web app's pages show, made once on the HTTPS hub, and signing a
page in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from doorstep.agency.keys import publish_agency_key
from doorstep.browser import sign_in as sign_in_through_form
from doorstep.owner.api import HubApi
from doorstep.owner.sharing import answer_request
from tests.cli.test_agency import file_request
from tests.hub.shares.officers import _token
from tests.owner.residents import (
    Home,
    add_member,
    current_home_key,
    make_home,
    pair_device,
    seal_clip,
    upload_clip,
)
from tests.web.hub import Account, HttpsHub

TWINNED = {
    "clip": b"\x00" * 5000,
    "snapshot": b"\x01" * 500,
    "details": b"{}",
    "twin_clip": b"\x02" * 5000,
    "twin_snapshot": b"\x03" * 500,
}


@dataclass(frozen=True)
class WebWorld:
    resident: Account  # owns home_id with camera_id, which recorded clip_id
    officer: Account  # member of agency_id, with a key; filed request_id
    admin: Account
    home: Home
    member_id: uuid.UUID  # a member of home_id besides its owner
    clip_id: uuid.UUID
    request_id: uuid.UUID
    entry_id: uuid.UUID  # the request in the resident's inbox
    share_id: uuid.UUID  # the clip, shared with the agency

    @property
    def ids(self) -> dict[str, str]:
        """What the page table's paths name in braces."""
        return {
            "home_id": str(self.home.home_id),
            "camera_id": str(self.home.camera_id),
            "user_id": str(self.member_id),
            "clip_id": str(self.clip_id),
            "request_id": str(self.request_id),
            "entry_id": str(self.entry_id),
            "share_id": str(self.share_id),
        }

    def account(self, role: str) -> Account | None:
        return {"public": None, "resident": self.resident, "agency": self.officer}.get(
            role, self.admin
        )


def make_world(hub: HttpsHub, directory: Path) -> WebWorld:
    with hub.trusted():
        home = make_home(hub.url)
        member = add_member(home, "member@web.doorstep.example")
        device = pair_device(home)
        # With a blurred twin, so the inbox entry shows "Share only the blurred copy" too.
        clip = seal_clip(home, device.key, current_home_key(home), contents=TWINNED)
        clip_id = upload_clip(directory, home, device, clip)
        officer = hub.agency_member()
        with HubApi(hub.url, _token(hub.url, officer.email, officer.password)) as api:
            publish_agency_key(api, directory / "agency.key")
            request = file_request(api, "CASE-WEB-1")
        with home.owner.api() as owner:
            [entry] = owner.call("GET", "/v1/inbox")["data"]
            share = answer_request(owner, uuid.UUID(entry["id"]), [clip_id], home.owner.user_key)
    resident = Account(home.owner.email, home.owner.password, "resident", home.owner.user_id)
    return WebWorld(
        resident=resident,
        officer=officer,
        admin=hub.admin(),
        home=home,
        member_id=member.user_id,
        clip_id=clip_id,
        request_id=uuid.UUID(request["id"]),
        entry_id=uuid.UUID(entry["id"]),
        share_id=uuid.UUID(share["id"]),
    )


def sign_in(page: Page, account: Account) -> None:
    """Sign ``account`` in through the /sign-in form; the page lands on the role's home."""
    sign_in_through_form(page, account.email, account.password)
