"""A resident's inbox and their homes' request settings."""

from __future__ import annotations

import base64
import json
import uuid

from fastapi import APIRouter

from doorstep.hub.agencies.service import agency_key_proof
from doorstep.hub.audit.schemas import KeyProof
from doorstep.hub.db import utcnow
from doorstep.hub.deps import CurrentResident, SessionDep, StateDep
from doorstep.hub.requests import inbox, preferences
from doorstep.hub.requests.schemas import (
    AgencyInInbox,
    InboxClip,
    InboxEntryDetail,
    InboxEntryPublic,
    RequestInInbox,
    RequestSettingsBody,
    RequestSettingsPublic,
)
from doorstep.hub.requests.service import effective_status
from doorstep.hub.schemas import Page

router = APIRouter(prefix="/v1", tags=["inbox"])


def _entry(entry: inbox.InboxEntry, proof: KeyProof | None) -> dict[str, object]:
    """The entry's fields; ``proof`` proves the agency's current key in the log."""
    request, agency = entry.request, entry.agency
    return {
        "id": entry.delivery.id,
        "home_id": entry.delivery.home_id,
        "urgent": entry.delivery.urgent,
        "answer": entry.delivery.answer,
        "answered_at": entry.delivery.answered_at,
        "created_at": entry.delivery.created_at,
        "request": RequestInInbox.model_validate(
            {
                **{
                    name: getattr(request, name)
                    for name in RequestInInbox.model_fields
                    if name not in {"area", "status"}
                },
                "area": json.loads(request.area),
                "status": effective_status(request, utcnow()),
            }
        ),
        "agency": AgencyInInbox(
            id=agency.id,
            name=agency.name,
            kind=agency.kind,
            key_id=agency.key_id,
            public_key=base64.b64encode(agency.public_key).decode() if agency.public_key else None,
            proof=proof,
        ),
    }


@router.get("/inbox")
def list_inbox(
    user: CurrentResident, session: SessionDep, state: StateDep
) -> Page[InboxEntryPublic]:
    """Requests that reached homes you own, newest first."""
    entries = inbox.inbox(session, user=user)
    proofs = {entry.agency.id: agency_key_proof(session, state, entry.agency) for entry in entries}
    return Page(
        data=[
            InboxEntryPublic.model_validate(_entry(entry, proofs[entry.agency.id]))
            for entry in entries
        ],
        count=len(entries),
    )


@router.get("/inbox/{delivery_id}")
def get_inbox_entry(
    delivery_id: uuid.UUID, user: CurrentResident, session: SessionDep, state: StateDep
) -> InboxEntryDetail:
    entry = inbox.inbox_entry(session, user=user, delivery_id=delivery_id)
    clips = inbox.clips_in_window(session, entry=entry)
    proof = agency_key_proof(session, state, entry.agency)
    return InboxEntryDetail.model_validate(
        {
            **_entry(entry, proof),
            "clips_in_window": [InboxClip.model_validate(clip) for clip in clips],
        }
    )


@router.post("/inbox/{delivery_id}/decline")
def decline(
    delivery_id: uuid.UUID, user: CurrentResident, session: SessionDep, state: StateDep
) -> InboxEntryPublic:
    """Decline: silent, and to the agency indistinguishable from never answering."""
    entry = inbox.decline(session, user=user, delivery_id=delivery_id)
    return InboxEntryPublic.model_validate(
        _entry(entry, agency_key_proof(session, state, entry.agency))
    )


def _clock(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _settings(found: preferences.Preferences) -> RequestSettingsPublic:
    return RequestSettingsPublic(
        receive=found.receive,
        agency_kinds=list(found.agency_kinds),
        quiet_start=_clock(found.quiet_start_minute),
        quiet_end=_clock(found.quiet_end_minute),
        time_zone=found.time_zone,
        emergencies_bypass_quiet=found.emergencies_bypass_quiet,
    )


@router.get("/homes/{home_id}/request-settings")
def get_request_settings(
    home_id: uuid.UUID, user: CurrentResident, session: SessionDep
) -> RequestSettingsPublic:
    return _settings(preferences.get_preferences(session, user=user, home_id=home_id))


@router.put("/homes/{home_id}/request-settings")
def set_request_settings(
    home_id: uuid.UUID, body: RequestSettingsBody, user: CurrentResident, session: SessionDep
) -> RequestSettingsPublic:
    """Receive requests or not, from which kinds of agency, and quiet hours."""
    saved = preferences.set_preferences(
        session,
        user=user,
        home_id=home_id,
        preferences=preferences.from_body(body),
    )
    return _settings(saved)
