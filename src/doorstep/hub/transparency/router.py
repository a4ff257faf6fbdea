"""The public transparency report: JSON, CSV and a page, all computed from the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from doorstep.audit.report import PeriodKind, TransparencyReport
from doorstep.hub.db import utcnow
from doorstep.hub.deps import SessionDep, StateDep
from doorstep.hub.state import HubState
from doorstep.hub.transparency import service
from doorstep.hub.transparency.export import report_csv
from doorstep.hub.transparency.page import PAGE_CSP, render_page
from doorstep.hub.transparency.schemas import TransparencyPublic

router = APIRouter(tags=["transparency"])

Period = Annotated[PeriodKind, Query(description="Count per month or per quarter.")]


def _report(session: Session, state: HubState) -> TransparencyReport:
    return service.current_report(session, cache=state.report_cache, now=utcnow())


@router.get("/v1/transparency")
def transparency(
    session: SessionDep, state: StateDep, period: Period = "month"
) -> TransparencyPublic:
    """Requests, shares, legal demands, expiries and removals per period, and in total."""
    report = _report(session, state)
    return TransparencyPublic(
        as_of=report.as_of,
        log_size=report.log_size,
        period=period,
        periods=list(report.periods(period)),
        total=report.total,
    )


@router.get(
    "/v1/transparency.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "period,metric,name,count"}},
)
def transparency_csv(session: SessionDep, state: StateDep, period: Period = "month") -> Response:
    """The same counts as CSV, one row per period and count (and per agency or category)."""
    return Response(
        report_csv(_report(session, state), period),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transparency-{period}.csv"'},
    )


@router.get("/transparency", response_class=HTMLResponse)
def transparency_page(
    session: SessionDep, state: StateDep, period: Period = "month"
) -> HTMLResponse:
    """The report as a page with charts; no script."""
    return HTMLResponse(
        render_page(_report(session, state), period),
        headers={"Content-Security-Policy": PAGE_CSP},
    )
