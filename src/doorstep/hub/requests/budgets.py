"""What is left of an agency's budgets: per investigation code, and per agency in the period.

The figures come from ``service.budget_use``, the same numbers ``policy.check_request``
refuses on, so what an agency's pages show as left is exactly what it may still file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.requests.policy import BudgetUse, RequestLimits
from doorstep.hub.requests.service import agency_requests_since, budget_use


@dataclass(frozen=True)
class CodeBudget:
    """One investigation code's use of its budgets (withdrawn requests count)."""

    code: str
    requests: int
    requests_left: int
    area_m2: float
    area_left_m2: float

    @classmethod
    def of(cls, code: str, requests: int, area_m2: float, limits: RequestLimits) -> CodeBudget:
        return cls(
            code=code,
            requests=requests,
            requests_left=max(0, limits.code_max_requests - requests),
            area_m2=area_m2,
            area_left_m2=max(0.0, limits.code_max_area_m2 - area_m2),
        )


@dataclass(frozen=True)
class AgencyBudget:
    """The agency's requests in the budget period, and how many it may still file."""

    requests_in_period: int
    requests_left: int
    period: timedelta


def _agency(requests_in_period: int, limits: RequestLimits) -> AgencyBudget:
    return AgencyBudget(
        requests_in_period=requests_in_period,
        requests_left=max(0, limits.agency_max_requests - requests_in_period),
        period=limits.agency_period,
    )


def code_budget(
    session: Session,
    *,
    agency_id: uuid.UUID,
    code: str,
    limits: RequestLimits,
    now: datetime,
) -> tuple[CodeBudget, AgencyBudget]:
    """What is left under ``code`` and for the agency, as the policy would count it now."""
    use: BudgetUse = budget_use(
        session, agency_id=agency_id, investigation_code=code, now=now, limits=limits
    )
    return (
        CodeBudget.of(code, use.code_requests, use.code_area_m2, limits),
        _agency(use.agency_requests_in_period, limits),
    )


def agency_budgets(
    session: Session, *, agency_id: uuid.UUID, limits: RequestLimits, now: datetime
) -> tuple[list[CodeBudget], AgencyBudget]:
    """Every code the agency has used, by code, and the agency's budget in the period."""
    rows = session.execute(
        select(
            FootageRequest.investigation_code,
            func.count(),
            func.coalesce(func.sum(FootageRequest.area_m2), 0.0),
        )
        .where(FootageRequest.agency_id == agency_id)
        .group_by(FootageRequest.investigation_code)
        .order_by(FootageRequest.investigation_code)
    ).all()
    codes = [CodeBudget.of(code, int(count), float(area), limits) for code, count, area in rows]
    since = now - limits.agency_period
    return codes, _agency(agency_requests_since(session, agency_id=agency_id, since=since), limits)
