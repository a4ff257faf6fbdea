"""The transparency report, as JSON, CSV and a page, equals what a scenario did.

It is computed from the audit log alone: anyone recounts it from the public entries.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from httpx import AsyncClient

from doorstep.audit import actions
from doorstep.audit.report import transparency_report
from doorstep.hub.audit.service import append_entry
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.state import HubState
from doorstep.hub.transparency.schemas import TransparencyPublic
from doorstep.hub.transparency.service import current_report
from tests.hub.transparency.scenario import (
    KINDS,
    Counts,
    append_scenario,
    expected_counts,
    generate,
    periods,
)


class TableCells(HTMLParser):
    """Every ``<td data-metric>`` on a page, keyed like ``Counts``."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counts = {}
        self._open: tuple[str, str, str] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "td" and found.get("data-metric"):
            names = ("data-period", "data-metric", "data-name")
            period, metric, name = (found.get(each) or "" for each in names)
            self._open = (period, metric, name)
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open is not None:
            self.counts[self._open] = int(self._text)
            self._open = None


def from_json(body: dict[str, Any]) -> Counts:
    counts: Counts = {}
    for period in [*body["periods"], body["total"]]:
        for metric, value in period.items():
            if isinstance(value, dict):
                counts.update({(period["period"], metric, n): v for n, v in value.items()})
            elif metric != "period":
                counts[(period["period"], metric, "")] = value
    return counts


def from_csv(text: str) -> Counts:
    rows = csv.DictReader(io.StringIO(text))
    assert rows.fieldnames == ["period", "metric", "name", "count"]
    return {(row["period"], row["metric"], row["name"]): int(row["count"]) for row in rows}


def from_page(text: str) -> Counts:
    parser = TableCells()
    parser.feed(text)
    # The breakdown tables show a 0 where an agency made no request that period.
    return {key: value for key, value in parser.counts.items() if value or not key[2]}


async def test_report_equals_the_counts_of_a_generated_scenario(
    client: AsyncClient, hub: HubState
) -> None:
    scenario = generate(seed=6, as_of=utcnow())
    with transaction(hub.sessions) as session:
        append_scenario(session, scenario)
    for kind in KINDS:
        expected = expected_counts(scenario, kind)
        body = (await client.get("/v1/transparency", params={"period": kind})).json()
        assert [period["period"] for period in body["periods"]] == periods(scenario, kind)
        assert from_json(body) == expected
        exported = await client.get("/v1/transparency.csv", params={"period": kind})
        assert exported.headers["content-type"] == "text/csv; charset=utf-8"
        assert from_csv(exported.text) == expected
        page = await client.get("/transparency", params={"period": kind})
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert from_page(page.text) == expected
    assert len(periods(scenario, "quarter")) >= 2
    assert body["total"]["delayed_notices_outstanding"] > 0
    assert 0 < body["total"]["requests_with_share"] < body["total"]["requests"]


async def test_anyone_recounts_the_report_from_the_public_entries(
    client: AsyncClient, hub: HubState
) -> None:
    scenario = generate(seed=7, as_of=utcnow())
    with transaction(hub.sessions) as session:
        append_scenario(session, scenario)
    published = (await client.get("/v1/transparency")).json()
    entries: list[dict[str, Any]] = []
    while len(entries) < published["log_size"]:
        page = await client.get("/v1/audit/entries", params={"start": len(entries)})
        entries += [row["entry"] for row in page.json()["data"]]
    report = transparency_report(
        entries, as_of=datetime.fromisoformat(published["as_of"]), log_size=len(entries)
    )
    recounted = TransparencyPublic(
        as_of=report.as_of,
        log_size=report.log_size,
        period="month",
        periods=list(report.months),
        total=report.total,
    )
    assert recounted.model_dump(mode="json") == published


async def test_a_new_entry_changes_the_report(client: AsyncClient, hub: HubState) -> None:
    before = (await client.get("/v1/transparency")).json()
    assert (await client.get("/v1/transparency")).json() == before  # cached: same as_of
    with transaction(hub.sessions) as session:
        append_entry(session, action="auth.signed_in", actor={"kind": "system"}, objects={})
        append_entry(
            session,
            action=actions.REQUEST_CREATED,
            actor={"kind": "agency_member", "name": "Officer Lee", "agency": "Eastside Fire"},
            objects={actions.REQUEST_ID: "r1", actions.CATEGORY: "arson", actions.EMERGENCY: True},
        )
    after = (await client.get("/v1/transparency")).json()
    assert after["log_size"] == before["log_size"] + 2
    assert after["total"]["requests"] == before["total"]["requests"] + 1
    assert after["total"]["requests_by_agency"] == {"Eastside Fire": 1}


async def test_a_delay_that_ends_changes_the_report_without_a_new_entry(hub: HubState) -> None:
    now = utcnow()
    with transaction(hub.sessions) as session:
        append_entry(
            session,
            action=actions.DEMAND_RECORDED,
            actor={"kind": "admin", "name": "Operator"},
            objects={
                actions.DEMAND_ID: "d1",
                actions.NOTICE_DELAYED_UNTIL: (now + timedelta(days=3)).date().isoformat(),
            },
        )
    with hub.sessions() as session:
        report = current_report(session, cache=hub.report_cache, now=now)
        assert report.total.delayed_notices_outstanding == 1
        later = current_report(session, cache=hub.report_cache, now=now + timedelta(days=3))
        assert later.log_size == report.log_size
        assert later.total.delayed_notices_outstanding == 0


async def test_agency_names_are_inert_on_the_page_and_in_the_csv(
    client: AsyncClient, hub: HubState
) -> None:
    with transaction(hub.sessions) as session:
        for n, agency in enumerate(("<script>alert(1)</script>", '=HYPERLINK("x")')):
            append_entry(
                session,
                action=actions.REQUEST_CREATED,
                actor={"kind": "agency_member", "name": "M", "agency": agency},
                objects={
                    actions.REQUEST_ID: f"r{n}",
                    actions.CATEGORY: "<b>",
                    actions.EMERGENCY: False,
                },
            )
    page = await client.get("/transparency")
    assert "<script" not in page.text and "<b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    exported = (await client.get("/v1/transparency.csv")).text
    assert "'=HYPERLINK" in exported and ",=HYPERLINK" not in exported


async def test_an_unknown_period_is_refused_naming_the_field(client: AsyncClient) -> None:
    for path in ("/v1/transparency", "/v1/transparency.csv", "/transparency"):
        response = await client.get(path, params={"period": "week"})
        assert response.status_code == 422
        assert response.json()["detail"].startswith("query.period:")
