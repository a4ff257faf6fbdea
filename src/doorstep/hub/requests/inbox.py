"""A resident's inbox: the requests that reached homes they own, and their answers.

A decline changes only the delivery row, which no agency-facing route reads, and is
not on the public audit log: to an agency it is indistinguishable from silence.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict, NotFound
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.db import utcnow
from doorstep.hub.homes.service import owned_home_ids
from doorstep.hub.requests.models import DeliveryAnswer, FootageRequest, RequestDelivery


@dataclass(frozen=True)
class InboxEntry:
    delivery: RequestDelivery
    request: FootageRequest
    agency: Agency


def inbox(session: Session, *, user: User, limit: int = 200) -> list[InboxEntry]:
    """Requests delivered to homes the caller owns, newest first."""
    rows = session.execute(
        select(RequestDelivery, FootageRequest, Agency)
        .join(FootageRequest, FootageRequest.id == RequestDelivery.request_id)
        .join(Agency, Agency.id == FootageRequest.agency_id)
        .where(RequestDelivery.home_id.in_(owned_home_ids(user)))
        .order_by(RequestDelivery.created_at.desc(), RequestDelivery.id)
        .limit(limit)
    ).all()
    return [InboxEntry(delivery, request, agency) for delivery, request, agency in rows]


def inbox_entry(session: Session, *, user: User, delivery_id: uuid.UUID) -> InboxEntry:
    """One delivery to a home the caller owns; any other is NotFound, like a missing one."""
    row = session.execute(
        select(RequestDelivery, FootageRequest, Agency)
        .join(FootageRequest, FootageRequest.id == RequestDelivery.request_id)
        .join(Agency, Agency.id == FootageRequest.agency_id)
        .where(
            RequestDelivery.id == delivery_id,
            RequestDelivery.home_id.in_(owned_home_ids(user)),
        )
    ).first()
    if row is None:
        raise NotFound(f"inbox entry {delivery_id} not found")
    delivery, request, agency = row
    return InboxEntry(delivery, request, agency)


def clips_in_window(session: Session, *, entry: InboxEntry) -> list[Clip]:
    """The home's own clips overlapping the request's window: what the owner may preview."""
    request = entry.request
    return list(
        session.scalars(
            select(Clip)
            .where(
                Clip.home_id == entry.delivery.home_id,
                Clip.started_at < request.window_end,
                Clip.ended_at > request.window_start,
            )
            .order_by(Clip.started_at, Clip.id)
        )
    )


def clips_with_twin(session: Session, clips: Sequence[Clip]) -> set[uuid.UUID]:
    """Which of ``clips`` have a blurred twin: those the owner may share as their twin alone."""
    if not clips:
        return set()
    return set(
        session.scalars(
            select(ClipPart.clip_id).where(
                ClipPart.clip_id.in_([clip.id for clip in clips]),
                ClipPart.part == PartName.TWIN_CLIP,
            )
        )
    )


def decline(session: Session, *, user: User, delivery_id: uuid.UUID) -> InboxEntry:
    entry = inbox_entry(session, user=user, delivery_id=delivery_id)
    if entry.delivery.answer == DeliveryAnswer.SHARED:
        raise Conflict("you shared clips for this request already; withdraw the share instead")
    if entry.delivery.answer == DeliveryAnswer.PENDING:
        entry.delivery.answer, entry.delivery.answered_at = DeliveryAnswer.DECLINED, utcnow()
    return entry
