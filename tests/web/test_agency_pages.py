"""The agency's pages in Chromium over HTTPS, at 360 px: the composer refuses on the page,
naming the limit, and files a valid request; a received share's package downloads.

The map is drawn through its typed fields, as a keyboard user would; every refusal on
the page comes from the hub's policy (the live check and the submit), not from the map.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.hub import HttpsHub
from tests.web.world import WebWorld, sign_in

AREA_LIMIT = "the largest area of a request is 0.5 km²"
CODE_LIMIT = "the budget of requests per investigation code is 3 requests"


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A phone-width page that fails the test on a script error or a CSP violation."""
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 800})
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
    page.close()
    assert errors == [], errors


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
    page: Page, https_hub: HttpsHub
) -> None:
    sign_in(page, https_hub.agency_member())
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
    page: Page, https_hub: HttpsHub
) -> None:
    sign_in(page, https_hub.agency_member())
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


def test_a_received_share_downloads_its_evidence_package(page: Page, web_world: WebWorld) -> None:
    sign_in(page, web_world.officer)
    page.goto("/agency/shares")
    link = page.get_by_role("link", name=re.compile("Download package"))
    expect(link).to_have_count(1)
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename == f"evidence-{web_world.share_id}.zip"
    path = download.path()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        assert package.namelist()  # the package the CLI downloads; `evidence verify` checks it
    page.goto(f"/agency/requests/{web_world.request_id}")
    expect(page.locator("#clips-shared")).to_have_text("1")
