"""The report's counting rules that the hub scenario can't pin down: edges of time, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from doorstep.audit import actions
from doorstep.audit.report import PeriodCounts, ReportBuilder, transparency_report
from doorstep.errors import InvalidInput

AS_OF = datetime(2026, 11, 24, 12, tzinfo=UTC)


def entry(action: str, at: str, **objects: Any) -> dict[str, Any]:
    actor = {"kind": "agency_member", "name": "Officer Lee", "agency": "Eastside Fire"}
    return {"action": action, "actor": actor, "at": at, "objects": objects}


def demand(until: object) -> dict[str, Any]:
    return entry(
        actions.DEMAND_RECORDED, "2026-11-02T09:00:00Z", demand_id="d1", notice_delayed_until=until
    )


def test_an_empty_log_reports_zeros_for_the_current_month_and_quarter() -> None:
    report = transparency_report([], as_of=AS_OF, log_size=0)
    assert report.months == (PeriodCounts("2026-11"),)
    assert report.quarters == (PeriodCounts("2026-Q4"),)
    assert report.total == PeriodCounts("total")


def test_a_delayed_notice_is_outstanding_until_the_day_its_delay_ends() -> None:
    entries = [demand("2026-11-25")]
    for as_of, outstanding in (
        (datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC), 1),
        (datetime(2026, 11, 25, tzinfo=UTC), 0),
    ):
        report = transparency_report(entries, as_of=as_of, log_size=1)
        assert report.total.delayed_notices_outstanding == outstanding
        assert report.months[0].delayed_notices_outstanding == outstanding


def test_a_report_between_entries_leaves_the_builder_counting_on() -> None:
    entries = [
        entry(actions.REQUEST_CREATED, "2026-08-30T23:00:00Z", request_id="r1", category="arson"),
        entry(actions.CLIP_SHARED, "2026-09-01T08:00:00Z", request_id="r1", clip_id="c1"),
        entry(actions.CLIP_SHARED, "2026-10-01T08:00:00Z", request_id="r1", clip_id="c2"),
    ]
    builder = ReportBuilder()
    builder.add(entries[0])
    early = builder.report(as_of=AS_OF, log_size=1)
    for each in entries[1:]:
        builder.add(each)
    assert early.total.requests_with_share == 0 and early.total.requests_by_agency
    assert builder.report(as_of=AS_OF, log_size=3) == transparency_report(
        entries, as_of=AS_OF, log_size=3
    )
    august, september, october, _ = builder.report(as_of=AS_OF, log_size=3).months
    assert (august.requests, august.requests_with_share, august.clips_shared) == (1, 1, 0)
    assert (september.clips_shared, october.clips_shared) == (1, 1)


@pytest.mark.parametrize(
    ("entries", "field"),
    [
        ([demand("next spring")], "notice_delayed_until"),
        ([entry(actions.MODERATION_REMOVED, "yesterday", post_id="p1")], "at"),
        ([entry(actions.MODERATION_REMOVED, "2026-11-02T09:00:00", post_id="p1")], "at"),
    ],
)
def test_a_malformed_entry_is_refused_naming_the_field(
    entries: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        transparency_report(entries, as_of=AS_OF, log_size=1)
    assert refused.value.field == field
    assert refused.value.detail.startswith(f"{field}: ")


def test_as_of_must_carry_a_time_zone() -> None:
    with pytest.raises(InvalidInput, match="as_of"):
        transparency_report([], as_of=datetime(2026, 11, 24), log_size=0)
