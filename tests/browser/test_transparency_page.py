"""The transparency page, served by a real hub, renders in Chromium under its strict CSP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser

from doorstep.audit import actions
from doorstep.hub.audit.service import append_entry
from doorstep.hub.db import make_engine, make_session_factory, transaction
from tests.edge.hub_process import HubProcess

AGENCY = {"kind": "agency_member", "name": "Officer Diaz", "agency": "Portland <b>Police</b>"}


def seed(hub: HubProcess) -> None:
    """Two requests last month and one this month, one answered by a share."""
    engine = make_engine(f"sqlite:///{hub.data_dir / 'doorstep.db'}")
    now = datetime.now(UTC)
    try:
        with transaction(make_session_factory(engine)) as session:
            for n, at in enumerate((now - timedelta(days=40), now - timedelta(days=35), now)):
                append_entry(
                    session,
                    action=actions.REQUEST_CREATED,
                    actor=AGENCY,
                    objects={"request_id": f"r{n}", "category": "burglary", "emergency": n == 2},
                    at=at,
                )
            append_entry(
                session,
                action=actions.CLIP_SHARED,
                actor={"kind": "resident", "pseudonym": "0" * 32},
                objects={"clip_id": "c0", "recipient_key_id": "k0", "request_id": "r2"},
                at=now,
            )
    finally:
        engine.dispose()


def test_the_page_renders_its_charts_and_counts_with_no_script_and_no_violation(
    browser: Browser, hub: HubProcess
) -> None:
    seed(hub)
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    try:
        response = page.goto(f"{hub.url}/transparency?period=quarter")
        assert response is not None and response.status == 200
        assert "default-src 'none'" in response.headers["content-security-policy"]

        # The stylesheet loaded under the CSP: the tables are styled, not browser defaults.
        collapse = page.eval_on_selector("table", "t => getComputedStyle(t).borderCollapse")
        assert collapse == "collapse"
        charts = page.query_selector_all("svg[role=img]")
        assert len(charts) >= 5
        for chart in charts:
            box = chart.bounding_box()
            assert box is not None and box.get("width", 0) > 100 and box.get("height", 0) > 0
        total = page.locator('td[data-period="total"][data-metric="requests"]').inner_text()
        assert total == "3"
        shared = page.locator('td[data-period="total"][data-metric="requests_with_share"]')
        assert shared.inner_text() == "1"
        assert page.get_by_text("Portland <b>Police</b>").count() >= 1  # shown as text
        assert page.locator("b").count() == 0
        assert page.locator("script").count() == 0
        page.get_by_role("link", name="by month").click()
        page.wait_for_url("**/transparency?period=month")
        assert (
            page.locator('td[data-metric="emergency_requests"][data-period="total"]').inner_text()
            == "1"
        )
    finally:
        page.close()
    assert problems == []
