"""Request schemas: what an agency files, what it sees back, and a home's request settings."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator, model_validator

from doorstep.hub.agencies.models import AgencyKind
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.requests.models import RequestStatus
from doorstep.hub.schemas import Base64Bytes, PublicModel, RequestBody


class CircleLocation(RequestBody):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_m: float = Field(gt=0, description="Radius in metres (at most about 399 m at 0.5 km²).")


class RequestLocation(RequestBody):
    """A circle (point and radius) or a GeoJSON polygon, exactly one of the two."""

    circle: CircleLocation | None = None
    polygon: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon, lon/lat.")

    @model_validator(mode="after")
    def _exactly_one(self) -> RequestLocation:
        if (self.circle is None) == (self.polygon is None):
            raise ValueError("give exactly one of circle or polygon")
        return self


class RequestCreate(RequestBody):
    investigation_code: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="The agency's case number; the budget counts per code.",
    )
    category: str = Field(description="An incident category from GET /v1/requests/limits.")
    details: str = Field(min_length=1, max_length=2000)
    location: RequestLocation
    window_start: datetime
    window_end: datetime
    open_until: datetime | None = Field(
        default=None, description="When the request stops taking answers (default: the limit)."
    )
    retention_days: int | None = Field(
        default=None,
        description="How long the agency keeps shared footage (default and most: the "
        "max_retention_days limit).",
    )
    emergency: bool = False
    emergency_reason: str | None = Field(default=None, max_length=1000)
    attests_purpose: bool = Field(
        default=False, description="The agency attests the purpose rules (GET /v1/requests/limits)."
    )


class RequestForAgency(PublicModel):
    """A request as its own agency sees it: the answers only as a count of clips shared."""

    id: uuid.UUID
    investigation_code: str
    category: str
    details: str
    area: dict[str, Any]
    area_m2: float
    window_start: datetime
    window_end: datetime
    open_until: datetime
    retention_days: int
    emergency: bool
    emergency_reason: str | None
    status: RequestStatus
    created_at: datetime
    audit_index: int | None
    clips_shared: int

    @field_validator("area", mode="before")
    @classmethod
    def _parse_stored(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


class RequestSettingsBody(RequestBody):
    receive: bool = Field(default=True, description="Receive agency requests at all.")
    agency_kinds: list[AgencyKind] = Field(
        default_factory=lambda: list(AgencyKind), description="Kinds of agency that may ask."
    )
    quiet_start: str | None = Field(
        default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, home time."
    )
    quiet_end: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    time_zone: str = Field(default="UTC", max_length=64, description="IANA time zone.")
    emergencies_bypass_quiet: bool = True


class RequestSettingsPublic(PublicModel):
    receive: bool
    agency_kinds: list[str]
    quiet_start: str | None
    quiet_end: str | None
    time_zone: str
    emergencies_bypass_quiet: bool


class AgencyInInbox(PublicModel):
    id: uuid.UUID
    name: str
    kind: AgencyKind
    key_id: str | None = Field(description="Wrap shared clip keys to this key.")
    public_key: str | None = Field(description="The agency's X25519 public key, base64.")
    proof: KeyProof | None = Field(
        description="The agency.key_published entry of this key, proven in a checkpoint: "
        "check it before wrapping anything to the key. Null while the agency has no key."
    )


class RequestInInbox(PublicModel):
    id: uuid.UUID
    investigation_code: str
    category: str
    details: str
    area: dict[str, Any]
    window_start: datetime
    window_end: datetime
    open_until: datetime
    retention_days: int
    emergency: bool
    emergency_reason: str | None
    status: RequestStatus


class InboxEntryPublic(PublicModel):
    id: uuid.UUID
    home_id: uuid.UUID
    urgent: bool
    answer: str
    answered_at: datetime | None
    created_at: datetime
    request: RequestInInbox
    agency: AgencyInInbox


class InboxClip(PublicModel):
    id: uuid.UUID
    camera_id: uuid.UUID
    started_at: datetime
    ended_at: datetime


class InboxEntryDetail(InboxEntryPublic):
    clips_in_window: list[InboxClip] = Field(
        description="Your own clips in the window: preview them (decrypted on your client)."
    )


class LoggedRequestPublic(PublicModel):
    """A request in the public log: never the precise shape, the details or any answer."""

    id: uuid.UUID
    agency: str
    agency_kind: str
    category: str
    coarse_cells: list[str] = Field(description="H3 resolution-8 cells the area touches.")
    area_km2: str
    window_start: datetime
    window_end: datetime
    created_at: datetime
    open_until: datetime
    status: RequestStatus
    emergency: bool
    clips_shared: int


class RequestLogPage(PublicModel):
    data: list[LoggedRequestPublic]
    count: int = Field(description="Requests in this page.")
    total: int = Field(description="Requests in the whole log.")
    offset: int
    limit: int


class AgencyListed(PublicModel):
    id: uuid.UUID
    name: str
    kind: AgencyKind
    verified: bool
    suspended: bool
    jurisdiction: dict[str, Any] | None
    key_fingerprint: str | None = Field(
        description="The fingerprint of the agency's key (its id in groups of four), for "
        "residents to compare with the one the agency publishes itself; null without a key."
    )
    public_key: Base64Bytes | None = Field(
        description="The agency's X25519 public key, for a resident's client to compute the "
        "fingerprint itself; null without a key."
    )
    proof: KeyProof | None = Field(
        description="The agency.key_published entry of that key, proven in a checkpoint."
    )
    requests_in_period: int = Field(description="Requests filed in the budget period.")
    request_budget: int = Field(description="The most requests allowed in the period.")
    budget_period_days: int


class PurposeRulePublic(PublicModel):
    """A rule of the purpose screen: a request whose free text matches it is refused."""

    id: str
    name: str
    description: str
    patterns: list[str] = Field(
        description="Regular expressions, matched as whole words and in any case; a space "
        "matches spaces and hyphens."
    )
    exact_case: list[str] = Field(description="Patterns matched only in this case (ICE).")
    exceptions: list[str] = Field(description="Phrases inside which a pattern doesn't count.")
    cleared_by: list[str] = Field(
        description="Acts that clear the rule when the same text names one."
    )


class PublicLimits(PublicModel):
    limits: dict[str, Any] = Field(description="This hub's limits: the defaults or tighter.")
    categories: list[str]
    purpose_attestation: str
    purpose_rules: list[PurposeRulePublic] = Field(
        description="The purpose screen: investigation_code, details and emergency_reason "
        "must break none of these."
    )


class FlagCreate(RequestBody):
    reason: str = Field(min_length=10, max_length=2000)


class FlagPublic(PublicModel):
    id: uuid.UUID
    request_id: uuid.UUID
    reason: str
    status: str
    created_at: datetime
    reviewed_at: datetime | None
    review_note: str | None


class FlagReview(RequestBody):
    withdraw: bool = Field(description="Uphold the flag: the request is withdrawn after review.")
    note: str = Field(min_length=1, max_length=2000, description="Published in the log.")
