"""Sharing clips with an agency that asked: record, list, extend, withdraw, expire.

The owner's client re-wraps each chosen clip's key to the agency's public key and
sends the clip's attestation (what it saw opening each part) sealed under the clip
key; the hub stores it as it came, opaque, and hands it to the agency in the package,
which checks it. Withdrawal and expiry delete the agency's wrapped keys; the rest of
the record stays for the owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from doorstep.audit.actions import CLIP_ID, CLIP_SHARED, REQUEST_ID, SHARE_EXPIRED
from doorstep.audit.entries import ObjectValue
from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.hub.accounts.models import Role, User
from doorstep.hub.audit.service import NewEntry, actor_of, append_entries
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.db import utcnow
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.homes.service import home_owner_ids, owned_home_ids
from doorstep.hub.keys.service import checked_wrapped_key
from doorstep.hub.notifications.service import notify
from doorstep.hub.requests.inbox import inbox_entry
from doorstep.hub.requests.models import DeliveryAnswer, FootageRequest, RequestStatus
from doorstep.hub.requests.service import effective_status
from doorstep.hub.shares.holds import lock_clip
from doorstep.hub.shares.models import Share, SharedClip, ShareEnd, ShareEvent

MAX_CLIPS_PER_SHARE = 100
# How far an owner may extend an agency's access at once.
MAX_EXTENSION = timedelta(days=180)


@dataclass(frozen=True)
class ClipChoice:
    """One clip the owner chose: its key wrapped to the agency, and its sealed attestation."""

    clip_id: uuid.UUID
    wrapped_key: bytes
    sealed_attestation: bytes
    twin: bool = False  # only its blurred twin, under the twin's own key


def append_share_entries(
    session: Session,
    share: Share,
    actor: User | None,
    entries: Sequence[tuple[str, Mapping[str, ObjectValue]]],
) -> range:
    """Append entries about ``share`` and remember them as its custody log."""
    indices = append_entries(
        session,
        [
            NewEntry(action=action, actor=actor_of(session, actor), objects=objects)
            for action, objects in entries
        ],
    )
    session.add_all(ShareEvent(share_id=share.id, audit_index=index) for index in indices)
    return indices


def share_with_agency(
    session: Session,
    *,
    user: User,
    delivery_id: uuid.UUID,
    clips: Sequence[ClipChoice],
    expires_in_days: int | None = None,
) -> Share:
    """Record the owner's answer: the chosen clips, wrapped to the agency's current key."""
    entry = inbox_entry(session, user=user, delivery_id=delivery_id)
    request, agency = entry.request, entry.agency
    if effective_status(request) != RequestStatus.OPEN:
        raise Conflict(f"the request is {effective_status(request).value}; it takes no answers")
    if agency.suspended_at is not None or agency.public_key is None or agency.key_id is None:
        raise Conflict(f"{agency.name} can't receive clips now (suspended, or no agency key)")
    if not 1 <= len(clips) <= MAX_CLIPS_PER_SHARE:
        raise InvalidInput(f"clips: choose 1 to {MAX_CLIPS_PER_SHARE} clips", field="clips")
    if len({choice.clip_id for choice in clips}) != len(clips):
        raise InvalidInput("clips: a clip is listed twice", field="clips")
    days = expires_in_days or request.retention_days
    if not 1 <= days <= request.retention_days:
        raise InvalidInput(
            f"expires_in_days: {days} is outside 1..{request.retention_days}, "
            "the retention the agency stated",
            field="expires_in_days",
        )
    now = utcnow()
    share = Share(
        request_id=request.id,
        home_id=entry.delivery.home_id,
        agency_id=agency.id,
        agency_key_id=agency.key_id,
        shared_by=user.id,
        purpose=f"{request.category}: {request.details}",
        expires_at=now + timedelta(days=days),
        audit_index=-1,
        created_at=now,
    )
    session.add(share)
    session.flush()
    rows = [
        _shared_clip(session, share, request, choice, f"clips[{index}]")
        for index, choice in enumerate(clips)
    ]
    session.add_all(rows)
    indices = append_share_entries(
        session,
        share,
        user,
        [
            (
                "share.created",
                {
                    "share_id": str(share.id),
                    REQUEST_ID: str(request.id),
                    "agency": agency.name,
                    "clips": len(rows),
                    "expires_at": share.expires_at.isoformat(),
                },
            ),
            *(
                (
                    CLIP_SHARED,
                    {
                        CLIP_ID: str(row.clip_id),
                        "recipient_key_id": agency.key_id,
                        REQUEST_ID: str(request.id),
                        "share_id": str(share.id),
                    },
                )
                for row in rows
            ),
        ],
    )
    share.audit_index = indices[0]
    if request.audit_index is not None:
        session.add(ShareEvent(share_id=share.id, audit_index=request.audit_index))
    entry.delivery.answer, entry.delivery.answered_at = DeliveryAnswer.SHARED, now
    notify(
        session,
        user_ids=agency_member_ids(session, agency.id),
        kind="share_received",
        subject_id=share.id,
        message=f"A resident shared {len(rows)} clip(s) for {request.investigation_code}.",
    )
    session.flush()
    return share


def _shared_clip(
    session: Session,
    share: Share,
    request: FootageRequest,
    choice: ClipChoice,
    field: str,
) -> SharedClip:
    # Locked, so a retention sweep can't shred it while this share is being recorded.
    clip = session.get(Clip, choice.clip_id) if lock_clip(session, choice.clip_id) else None
    if clip is None or clip.home_id != share.home_id:
        raise InvalidInput(
            f"{field}.clip_id: clip {choice.clip_id} is not this home's", field=field
        )
    if not (clip.started_at < request.window_end and clip.ended_at > request.window_start):
        raise InvalidInput(
            f"{field}.clip_id: clip {clip.id} is outside the request's window", field=field
        )
    device = session.get(EdgeDevice, clip.device_id) if clip.device_id else None
    if device is None:
        raise InvalidInput(
            f"{field}.clip_id: clip {clip.id}'s device is gone; its signature can't be checked",
            field=field,
        )
    parts = list(session.scalars(select(ClipPart).where(ClipPart.clip_id == clip.id)))
    video = PartName.TWIN_CLIP if choice.twin else PartName.CLIP
    if not any(p.part == video for p in parts):
        raise InvalidInput(f"{field}.twin: clip {clip.id} has no blurred twin", field=field)
    return SharedClip(
        share_id=share.id,
        clip_id=clip.id,
        camera_id=clip.camera_id,
        started_at=clip.started_at,
        ended_at=clip.ended_at,
        device_public_key=device.public_key,
        ciphertext_sha256=next(p.sha256 for p in parts if p.part == video),
        sealed_attestation=choice.sealed_attestation,
        wrapped_key=checked_wrapped_key(choice.wrapped_key, f"{field}.wrapped_key"),
        twin=choice.twin,
    )


def agency_member_ids(session: Session, agency_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(User.id).where(User.agency_id == agency_id, User.role == Role.AGENCY_MEMBER)
        )
    )


def owner_shares(session: Session, *, user: User) -> list[Share]:
    """Every share from homes the caller owns: who holds keys to their clips, until when."""
    return list(
        session.scalars(
            select(Share)
            .where(Share.home_id.in_(owned_home_ids(user)))
            .order_by(Share.created_at.desc())
        )
    )


def owner_share(session: Session, *, user: User, share_id: uuid.UUID) -> Share:
    share = session.get(Share, share_id)
    if share is None or user.id not in home_owner_ids(session, share.home_id):
        raise NotFound(f"share {share_id} not found")
    return share


def agency_share(session: Session, *, member: User, share_id: uuid.UUID) -> Share:
    """A share with the member's agency; another agency's is NotFound, like a missing one."""
    share = session.get(Share, share_id)
    if share is None or share.agency_id != member.agency_id:
        raise NotFound(f"share {share_id} not found")
    return share


def agency_shares(
    session: Session, *, member: User, request_id: uuid.UUID | None = None
) -> list[Share]:
    """The shares the member's agency received: for one request, or (None) for all of them."""
    query = select(Share).where(Share.agency_id == member.agency_id)
    if request_id is not None:
        query = query.where(Share.request_id == request_id)
    return list(session.scalars(query.order_by(Share.created_at, Share.id)))


def shared_clips(session: Session, share_id: uuid.UUID) -> list[SharedClip]:
    return list(
        session.scalars(
            select(SharedClip)
            .where(SharedClip.share_id == share_id)
            .order_by(SharedClip.started_at, SharedClip.clip_id)
        )
    )


def _end(session: Session, share: Share, reason: ShareEnd, now: datetime) -> None:
    """Delete the agency's wrapped keys and mark the share ended."""
    session.execute(
        update(SharedClip).where(SharedClip.share_id == share.id).values(wrapped_key=None)
    )
    share.ended_at, share.end_reason = now, reason
    share.extension_until, share.extension_reason = None, None


def withdraw_share(session: Session, *, user: User, share_id: uuid.UUID) -> Share:
    share = owner_share(session, user=user, share_id=share_id)
    if share.ended_at is not None:
        raise Conflict(f"share {share_id} ended already ({share.end_reason})")
    _end(session, share, ShareEnd.WITHDRAWN, utcnow())
    append_share_entries(
        session,
        share,
        user,
        [("share.withdrawn", {"share_id": str(share.id), REQUEST_ID: str(share.request_id)})],
    )
    notify(
        session,
        user_ids=agency_member_ids(session, share.agency_id),
        kind="share_withdrawn",
        subject_id=share.id,
        message="A resident withdrew a share: its clip keys are deleted.",
    )
    return share


def expire_shares(session: Session, *, now: datetime | None = None) -> int:
    """End every share whose access time ran out; returns how many ended."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Share).where(Share.ended_at.is_(None), Share.expires_at <= now).limit(500)
        )
    )
    for share in due:
        clips = shared_clips(session, share.id)
        _end(session, share, ShareEnd.EXPIRED, now)
        append_share_entries(
            session,
            share,
            None,
            [
                (SHARE_EXPIRED, {CLIP_ID: str(clip.clip_id), REQUEST_ID: str(share.request_id)})
                for clip in clips
            ],
        )
    return len(due)


def ask_extension(
    session: Session, *, member: User, share_id: uuid.UUID, until: datetime, reason: str
) -> Share:
    """An agency asks the owner for longer access; the owner decides."""
    share = agency_share(session, member=member, share_id=share_id)
    if share.ended_at is not None or share.expires_at <= utcnow():
        raise Conflict(f"share {share_id} ended ({share.end_reason or 'expired'}); can't extend it")
    if share.extension_until is not None:
        raise Conflict(f"share {share_id} has an extension waiting for the owner's answer")
    if not share.expires_at < until <= share.expires_at + MAX_EXTENSION:
        raise InvalidInput(
            f"until: must be after the current expiry {share.expires_at:%Y-%m-%d} and at most "
            f"{MAX_EXTENSION.days} days beyond it",
            field="until",
        )
    share.extension_until, share.extension_reason = until, reason
    append_share_entries(
        session,
        share,
        member,
        [("share.extension_asked", {"share_id": str(share.id), "until": until.isoformat()})],
    )
    notify(
        session,
        user_ids=home_owner_ids(session, share.home_id),
        kind="extension_asked",
        subject_id=share.id,
        message=f"An agency asks to keep your shared clips until {until:%Y-%m-%d}: {reason}",
    )
    return share


def answer_extension(session: Session, *, user: User, share_id: uuid.UUID, grant: bool) -> Share:
    share = owner_share(session, user=user, share_id=share_id)
    if share.ended_at is not None or share.expires_at <= utcnow() or share.extension_until is None:
        raise Conflict(f"share {share_id} has ended or has no extension waiting for an answer")
    until = share.extension_until
    if grant:
        share.expires_at = until
    share.extension_until, share.extension_reason = None, None
    action = "share.extended" if grant else "share.extension_refused"
    append_share_entries(
        session, share, user, [(action, {"share_id": str(share.id), "until": until.isoformat()})]
    )
    return share
