"""Legal demand tests, and what they share: a demand's body and window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

DOCUMENT_SHA256 = "ab" * 32


def two_hours_ago() -> datetime:
    """A window start in the recent past, on a whole second (clip times are)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def demand_body(
    home_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
    camera_id: uuid.UUID | None = None,
    delayed_until: datetime | None = None,
    **changes: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "authority": "Multnomah County Circuit Court",
        "kind": "warrant",
        "reference": "CR-2026-0042",
        "document_sha256": DOCUMENT_SHA256,
        "home_id": str(home_id),
        "camera_id": str(camera_id) if camera_id else None,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "notice_delayed_until": delayed_until.isoformat() if delayed_until else None,
        "notes": "served in person at the front desk",
    }
    return {**body, **changes}
