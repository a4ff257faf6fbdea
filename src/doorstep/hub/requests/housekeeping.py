"""Periodic request housekeeping: end expired shares, log delayed demand notices as given.

Neither waits on this task to be correct for readers: an expired share is refused at
download time by its ``expires_at``, and a delayed notice shows from its
``visible_from``. The task deletes the keys and appends the audit entries.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from doorstep.hub.background import in_thread
from doorstep.hub.db import transaction, utcnow
from doorstep.hub.demands.service import deliver_due_notices
from doorstep.hub.shares.service import expire_shares

logger = logging.getLogger(__name__)
FIRST_RUN_DELAY_S = 5.0


def housekeep(sessions: sessionmaker[Session], *, now: datetime | None = None) -> tuple[int, int]:
    """One pass; returns (shares ended, notices logged)."""
    now = now or utcnow()
    with transaction(sessions) as session:
        ended = expire_shares(session, now=now)
    with transaction(sessions) as session:
        notified = deliver_due_notices(session, now=now)
    return ended, notified


async def housekeep_periodically(
    sessions: sessionmaker[Session], *, interval_s: float, stop: threading.Event
) -> None:
    await asyncio.sleep(min(interval_s, FIRST_RUN_DELAY_S))
    while not stop.is_set():
        try:
            ended, notified = await in_thread(lambda: housekeep(sessions))
            if ended or notified:
                logger.info("ended %d expired shares, logged %d demand notices", ended, notified)
        except Exception:
            logger.exception("request housekeeping failed; retrying in %s s", interval_s)
        await asyncio.sleep(interval_s)
