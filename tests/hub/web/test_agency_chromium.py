"""In Chromium against a real hub: the composer refuses on the page, naming the limit, and
files a valid request; the audit page checks an inclusion proof in the browser.

The hub runs in a thread (uvicorn on 127.0.0.1, a secure context for WebCrypto); the
browser is Debian's Chromium. The map is drawn through its typed fields, as a keyboard
user would.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from pydantic import SecretStr

from doorstep.audit.checkpoint import LogKey
from doorstep.hub.accounts.models import Role
from doorstep.hub.accounts.service import create_user
from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.agencies.service import create_agency, verify_agency
from doorstep.hub.app import create_app
from doorstep.hub.audit.checkpoints import issue_checkpoint
from doorstep.hub.db import transaction
from doorstep.hub.state import HubState
from doorstep.settings import Settings
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.cli.processes import free_port
from tests.hub.actors import JURISDICTION, PASSWORD

AREA_LIMIT = "the largest area of a request is 0.5 km²"
CODE_LIMIT = "the budget of requests per investigation code is 3 requests"


@dataclass
class LiveHub:
    url: str
    state: HubState

    def officer(self, name: str) -> str:
        """A member of a new verified agency whose jurisdiction holds the test cameras."""
        email = f"officer@{name.lower().replace(' ', '-')}.example"
        with transaction(self.state.sessions) as session:
            agency = create_agency(
                session,
                actor=None,
                name=name,
                kind=AgencyKind.POLICE,
                contact_email="desk@police.example",
                jurisdiction=JURISDICTION,
            )
            verify_agency(session, actor=None, agency_id=agency.id)
            create_user(
                session,
                settings=self.state.settings,
                email=email,
                password=PASSWORD,
                display_name="Officer",
                role=Role.AGENCY_MEMBER,
                agency_id=agency.id,
            )
        return email

    def checkpoint(self) -> int:
        """Sign a checkpoint of the log as it stands (the hub's task does so every 10 s)."""
        settings = self.state.settings
        issue_checkpoint(
            self.state.sessions, secret_key=self.state.secret_key, origin=settings.audit_origin
        )
        with self.state.sessions() as session:
            from doorstep.hub.audit.checkpoints import latest_checkpoint

            return latest_checkpoint(session).size


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    data = tmp_path_factory.mktemp("hub")
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'hub.db'}",
        storage_url=(data / "blobs").as_uri(),
        bus_url="memory://",
        secret_key=SecretStr("test-secret-key-" + "x" * 32),
    )
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the hub did not start"
        assert thread.is_alive(), "the hub stopped while starting"
        time.sleep(0.05)
    try:
        yield LiveHub(url=f"http://127.0.0.1:{port}", state=app.state.hub)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, live_hub: LiveHub) -> Iterator[Page]:
    context = chromium.new_context(base_url=live_hub.url, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert errors == [], errors


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/agency")


def _local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def fill_request(page: Page, code: str) -> None:
    """Everything but the area, as a member types it."""
    now = datetime.now(UTC)
    page.get_by_label("Window start").fill(_local(now - timedelta(hours=1)))
    page.get_by_label("Window end").fill(_local(now - timedelta(minutes=5)))
    page.get_by_label("Investigation code").fill(code)
    page.get_by_label("Incident category").select_option("burglary")
    page.get_by_label("Details").fill("Burglary reported at 10:40; people seen leaving the block.")
    page.get_by_label("I attest").check()


def draw_circle(page: Page, radius_m: int) -> None:
    """The circle typed into the map's fields (leaving each applies it), no mouse."""
    for label, value in (
        ("Centre latitude", "45.5"),
        ("Centre longitude", "-122.6"),
        ("Radius (metres)", str(radius_m)),
    ):
        page.get_by_label(label).fill(value)
        page.get_by_label(label).press("Tab")


def test_the_composer_refuses_on_the_page_and_files_a_valid_request(
    page: Page, live_hub: LiveHub
) -> None:
    sign_in(page, live_hub.officer("Dock Police"))
    page.goto("/agency/requests/new")
    expect(page.locator("#area-map input[name=location]")).to_be_attached()
    fill_request(page, "CASE-WEB-1")
    draw_circle(page, 450)
    # The live check (the policy, on the hub) names the limit next to the area.
    expect(page.locator("#error-location")).to_contain_text(AREA_LIMIT)
    expect(page.locator("#check-summary")).to_contain_text("This request would be refused.")
    expect(page.locator("#area-size")).to_contain_text("of at most 0.5 km²")
    # Filed anyway: refused on the page with the same words, nothing filed.
    page.get_by_role("button", name="File the request").click()
    expect(page.locator("#error-location")).to_contain_text(AREA_LIMIT)
    assert page.url.endswith("/agency/requests/new")
    # The drawn area came back; a smaller circle is within every limit.
    expect(page.get_by_label("Radius (metres)")).to_have_value("450")
    page.get_by_label("Radius (metres)").fill("300")
    page.get_by_label("Radius (metres)").press("Tab")
    expect(page.locator("#check-summary")).to_contain_text("Within every limit: ready to file.")
    expect(page.locator("#error-location")).to_have_text("")
    page.get_by_role("button", name="File the request").click()
    page.wait_for_url(re.compile(r"/agency/requests/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request CASE-WEB-1")
    expect(page.locator("#clips-shared")).to_have_text("0")


def test_a_fourth_request_under_one_code_is_refused_on_the_page(
    page: Page, live_hub: LiveHub
) -> None:
    sign_in(page, live_hub.officer("Quay Police"))
    for filed in range(3):
        page.goto("/agency/requests/new")
        expect(page.locator("#area-map input[name=location]")).to_be_attached()
        fill_request(page, "CASE-TILE")
        draw_circle(page, 100)
        expect(page.locator("#code-budget")).to_contain_text(f"{3 - filed} of 3 requests")
        expect(page.locator("#check-summary")).to_contain_text("ready to file")
        page.get_by_role("button", name="File the request").click()
        page.wait_for_url(re.compile(r"/agency/requests/[0-9a-f-]{36}$"))
    page.goto("/agency/requests/new")
    expect(page.locator("#area-map input[name=location]")).to_be_attached()
    fill_request(page, "CASE-TILE")
    expect(page.locator("#error-investigation_code")).to_contain_text(CODE_LIMIT)
    expect(page.locator("#code-budget")).to_contain_text("0 of 3 requests")
    draw_circle(page, 100)
    page.get_by_role("button", name="File the request").click()
    expect(page.locator("#error-investigation_code")).to_contain_text(CODE_LIMIT)
    page.goto("/agency")
    expect(page.locator("#requests tbody tr")).to_have_count(3)


def _tampered(route: Route) -> None:
    """The hub's inclusion proof with one bit of its first hash flipped."""
    response = route.fetch()
    body = json.loads(response.text())
    first = bytearray(base64.b64decode(body["proof"][0]))
    first[0] ^= 1
    body["proof"][0] = base64.b64encode(bytes(first)).decode()
    route.fulfill(response=response, body=json.dumps(body))


def test_the_audit_page_checks_a_proof_in_the_browser(page: Page, live_hub: LiveHub) -> None:
    live_hub.officer("Pier Police")  # entries: the agency created and verified
    size = live_hub.checkpoint()
    assert size >= 3  # and the web manifest: a proof of at least one hash
    index = size - 2
    page.goto(f"/audit?index={index}")
    result = page.locator("#proof-result")
    expect(result).to_contain_text(f"Verified: entry {index} is in the log of {size} entries")
    expect(page.locator("#proof-entry")).to_contain_text('"action":')

    # A tampered proof fails, checked in the browser (the hub never sees the check).
    page.route("**/v1/audit/proofs/inclusion*", _tampered)
    page.get_by_role("button", name="Check the entry").click()
    expect(result).to_contain_text("Failed:")
    expect(result).to_contain_text(f"the proof for index {index} leads to another root")
    page.unroute("**/v1/audit/proofs/inclusion*")

    # Another log key: the checkpoint's signature is refused.
    vkey = page.get_by_label("Log key (verifier key)")
    page.get_by_label("Entry number").fill(str(index))
    good = vkey.input_value()
    origin = live_hub.state.settings.audit_origin
    other = LogKey(name=origin, public_key=Ed25519PrivateKey.generate().public_key()).vkey()
    vkey.fill(other)
    page.get_by_role("button", name="Check the entry").click()
    expect(result).to_contain_text(f"Failed: no signature by {other.split('+')[0]}+")
    vkey.fill(good)
    page.get_by_role("button", name="Check the entry").click()
    expect(result).to_contain_text("Verified:")
