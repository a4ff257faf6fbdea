"""The report as JSON: one kind of period, and the total."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from doorstep.audit.report import PeriodCounts, PeriodKind


class TransparencyPublic(BaseModel):
    as_of: datetime = Field(description="The time the counts are as of (delayed notices).")
    log_size: int = Field(description="The report counts the log's first log_size entries.")
    period: PeriodKind
    periods: list[PeriodCounts] = Field(description="Oldest first, without gaps.")
    total: PeriodCounts
