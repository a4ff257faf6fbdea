"""The transparency report from the audit log: only the actions it counts are read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.audit.actions import REPORTED_ACTIONS
from doorstep.audit.report import TransparencyReport
from doorstep.hub.audit.models import AuditEntry
from doorstep.hub.audit.service import tree_size
from doorstep.hub.transparency.cache import ReportCache


def reported_entries(session: Session, start: int, stop: int) -> Iterator[dict[str, Any]]:
    """Public forms of the entries the report counts among indices [start, stop), in order."""
    rows = session.scalars(
        select(AuditEntry.public)
        .where(
            AuditEntry.action.in_(REPORTED_ACTIONS),
            AuditEntry.index >= start,
            AuditEntry.index < stop,
        )
        .order_by(AuditEntry.index)
        .execution_options(yield_per=1000)
    )
    for public in rows:
        entry: dict[str, Any] = json.loads(public)
        yield entry


def current_report(session: Session, *, cache: ReportCache, now: datetime) -> TransparencyReport:
    """The report over the whole log as of ``now``.

    Entries below the head's size are all committed once the size is: an append
    holds the head row until its transaction ends.
    """
    return cache.report(size=tree_size(session), as_of=now, read=partial(reported_entries, session))
