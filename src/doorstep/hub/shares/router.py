"""A resident's shares: answer a request with clips, list, receipt, extend, withdraw."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from doorstep.hub.deps import CurrentResident, SessionDep, StateDep
from doorstep.hub.schemas import Page
from doorstep.hub.shares import evidence, service, views
from doorstep.hub.shares.schemas import ExtensionAnswer, ShareCreate, SharePublic

router = APIRouter(prefix="/v1", tags=["shares"])


@router.post("/inbox/{delivery_id}/share", status_code=status.HTTP_201_CREATED)
def share(
    delivery_id: uuid.UUID,
    body: ShareCreate,
    user: CurrentResident,
    session: SessionDep,
) -> SharePublic:
    """Share chosen clips with the agency: keys re-wrapped on your client to the agency key."""
    row = service.share_with_agency(
        session,
        user=user,
        delivery_id=delivery_id,
        clips=[
            service.ClipChoice(
                clip_id=choice.clip_id,
                wrapped_key=choice.wrapped_key,
                sealed_attestation=choice.sealed_attestation,
                twin=choice.twin,
            )
            for choice in body.clips
        ],
        expires_in_days=body.expires_in_days,
    )
    return views.for_owner(session, row)


@router.get("/me/shares")
def list_shares(user: CurrentResident, session: SessionDep) -> Page[SharePublic]:
    """Every agency that holds keys to your clips, until when, and each download."""
    rows = service.owner_shares(session, user=user)
    return Page(data=[views.for_owner(session, row) for row in rows], count=len(rows))


@router.get("/me/shares/{share_id}")
def get_share(share_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> SharePublic:
    return views.for_owner(session, service.owner_share(session, user=user, share_id=share_id))


@router.get("/me/shares/{share_id}/receipt")
def get_receipt(
    share_id: uuid.UUID, user: CurrentResident, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """The hub-signed receipt; `doorstep evidence verify-receipt` checks it offline."""
    row = service.owner_share(session, user=user, share_id=share_id)
    return evidence.receipt(session, state, row)


@router.post("/me/shares/{share_id}/withdraw")
def withdraw(share_id: uuid.UUID, user: CurrentResident, session: SessionDep) -> SharePublic:
    """End the agency's access now: its wrapped keys are deleted."""
    row = service.withdraw_share(session, user=user, share_id=share_id)
    return views.for_owner(session, row)


@router.post("/me/shares/{share_id}/extension")
def answer_extension(
    share_id: uuid.UUID, body: ExtensionAnswer, user: CurrentResident, session: SessionDep
) -> SharePublic:
    row = service.answer_extension(session, user=user, share_id=share_id, grant=body.grant)
    return views.for_owner(session, row)
