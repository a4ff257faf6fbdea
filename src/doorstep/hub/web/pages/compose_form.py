"""The request composer's form: read, checked with the API's schema, turned into a draft.

Filing (``live=False``) needs every field, as ``POST /v1/agency/requests`` does. The
live check (``live=True``) runs while the member is still drawing and typing: a field
not filled yet is listed as missing and stood in for by a value that keeps every limit
by construction (a 1 m circle inside the jurisdiction, the shortest window just ended, a
code never used), so ``service.check_draft`` can still name whatever the filled fields
break. The limits themselves are only ever checked by the policy, never here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from shapely.geometry import MultiPolygon, Polygon

from doorstep.errors import DoorstepError, InvalidInput
from doorstep.hub.requests.geometry import RequestArea, circle_area
from doorstep.hub.requests.policy import RequestLimits
from doorstep.hub.requests.router import area_of
from doorstep.hub.requests.schemas import RequestCreate
from doorstep.hub.requests.service import RequestDraft
from doorstep.hub.web.pages.form_errors import first_problems

FIELDS = (
    "investigation_code",
    "category",
    "details",
    "location",
    "window_start",
    "window_end",
    "retention_days",
    "emergency",
    "emergency_reason",
    "attests_purpose",
)
# Every place a message can show on the composer page.
SLOT_NAMES = (
    "investigation_code",
    "category",
    "details",
    "location",
    "window",
    "retention_days",
    "emergency_reason",
    "attests_purpose",
    "agency",
    "form",
)
CHECKBOXES = frozenset({"emergency", "attests_purpose"})
LABELS = {
    "investigation_code": "investigation code",
    "category": "incident category",
    "details": "details",
    "location": "area",
    "window_start": "window start",
    "window_end": "window end",
    "retention_days": "retention",
    "emergency_reason": "emergency reason",
    "attests_purpose": "purpose attestation",
}
# What the schema asks of each field, said when a value breaks it.
RULES = {
    "investigation_code": "1 to 64 letters, digits and . _ / -, starting with a letter or digit",
    "category": "one of the incident categories listed",
    "details": "1 to 2000 characters",
    "location": "draw a circle or a polygon on the map",
    "window_start": "a date and time (UTC)",
    "window_end": "a date and time (UTC)",
    "retention_days": "a whole number of days",
    "emergency_reason": "at most 1000 characters",
}
# Where a refusal's field shows on the page: the window's two times share one message.
SLOTS = {"window_start": "window", "window_end": "window", "window": "window", "open_until": "form"}


def slot(name: str | None) -> str:
    """The page's place for a message about ``name`` (a form field, or ``"form"``)."""
    if name is None:
        return "form"
    name = name.split(".")[0]
    return SLOTS.get(name, name if name in FIELDS or name == "agency" else "form")


@dataclass
class Composed:
    """The form as read: its values to show again, and the draft if one could be made."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    draft: RequestDraft | None = None
    area: RequestArea | None = None
    code: str | None = None  # the code typed, once it is a valid one


def read_values(form: Mapping[str, Any]) -> dict[str, str]:
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    for name in CHECKBOXES:
        values[name] = "on" if values[name] else ""
    return values


def _utc(text: str) -> datetime:
    """A ``datetime-local`` value (no zone) read as UTC; a value with a zone is kept."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _placeholder_area(jurisdiction: Polygon | MultiPolygon | None) -> RequestArea:
    inside = jurisdiction.representative_point() if jurisdiction is not None else None
    latitude, longitude = (inside.y, inside.x) if inside is not None else (0.0, 0.0)
    return circle_area(latitude, longitude, 1.0)


def _schema_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, problem in first_problems(exc).items():
        rule = RULES.get(name)
        text = f"{LABELS.get(name, name)}: {rule}" if rule else f"{name}: {problem['msg']}"
        errors.setdefault(slot(name), text)
    return errors


def compose(
    values: dict[str, str],
    *,
    live: bool,
    limits: RequestLimits,
    now: datetime,
    jurisdiction: Polygon | MultiPolygon | None,
) -> Composed:
    """Read the form into a draft (``live``: standing in for what isn't filled yet)."""
    result = Composed(values=values)
    body: dict[str, Any] = {
        "category": values["category"],
        "details": values["details"],
        "investigation_code": values["investigation_code"],
        "emergency": bool(values["emergency"]),
        "emergency_reason": values["emergency_reason"] or None,
        "attests_purpose": bool(values["attests_purpose"]),
    }
    required = ["investigation_code", "category", "details", "location"]
    required += ["window_start", "window_end", "attests_purpose"]
    if values["emergency"]:
        required.append("emergency_reason")
    missing = [name for name in required if not values[name]]
    if not live:
        for name in missing:
            result.errors[slot(name)] = f"{LABELS[name]}: required"
        if result.errors:
            return result
    result.missing = [LABELS[name] for name in missing]
    stand_in: dict[str, Any] = {
        "investigation_code": f"draft-{uuid.uuid4().hex}",
        "category": "burglary",
        "details": "Not written yet.",
        "attests_purpose": True,
        "emergency_reason": "Not written yet; a stand-in of twenty characters or more.",
    }
    for name in missing:
        if name in stand_in:
            body[name] = stand_in[name]
    location: Any = None
    if values["location"]:
        try:
            location = json.loads(values["location"])
        except ValueError:
            result.errors["location"] = f"{LABELS['location']}: {RULES['location']}"
    body["location"] = location or {"circle": {"latitude": 0, "longitude": 0, "radius_m": 1}}
    try:
        if values["window_start"] and values["window_end"]:
            body["window_start"] = _utc(values["window_start"])
            body["window_end"] = _utc(values["window_end"])
        else:
            body["window_end"] = now - timedelta(minutes=1)
            body["window_start"] = body["window_end"] - limits.min_window
    except ValueError:
        result.errors["window"] = f"window: {RULES['window_start']}"
    if values["retention_days"]:
        body["retention_days"] = values["retention_days"]
    try:
        parsed = RequestCreate.model_validate(body)
    except ValidationError as exc:
        result.errors.update(_schema_errors(exc))
        return result
    if result.errors:
        return result
    try:
        area = area_of(parsed.location) if location else _placeholder_area(jurisdiction)
    except DoorstepError as exc:
        result.errors["location"] = exc.detail
        return result
    if location:
        result.area = area
    if values["investigation_code"]:
        result.code = parsed.investigation_code
    result.draft = RequestDraft(
        investigation_code=parsed.investigation_code,
        category=parsed.category,
        details=parsed.details,
        area=area,
        window_start=parsed.window_start,
        window_end=parsed.window_end,
        open_until=now + limits.max_open,
        retention_days=limits.max_retention_days
        if parsed.retention_days is None
        else parsed.retention_days,
        attested=parsed.attests_purpose,
        emergency=parsed.emergency,
        emergency_reason=parsed.emergency_reason,
    )
    return result


def refusal(result: Composed, exc: DoorstepError) -> None:
    """Put the policy's refusal where its field shows on the page."""
    name = exc.field if isinstance(exc, InvalidInput) else None
    if name is None and exc.detail.startswith("agency:"):
        name = "agency"
    result.errors[slot(name)] = exc.detail
