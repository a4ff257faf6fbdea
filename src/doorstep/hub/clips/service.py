"""Clips: edge devices upload sealed parts, then commit; household members list and fetch.

Uploads are idempotent so an edge can retry after any failure: a part can be sent
again until its clip is committed, and committing the same clip twice is a no-op.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.hub.accounts.models import User
from doorstep.hub.audit.service import append_home_entry
from doorstep.hub.clips.models import (
    MAX_CLIP_SECONDS,
    REQUIRED_PARTS,
    TWIN_PARTS,
    Clip,
    ClipPart,
    PartName,
)
from doorstep.hub.clips.schemas import ClipCommit
from doorstep.hub.db import utcnow
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.devices.service import device_camera
from doorstep.hub.homes.service import get_camera, in_callers_home
from doorstep.hub.keys.models import ClipKey, KeyScope
from doorstep.hub.keys.service import record_edge_keys
from doorstep.hub.requests.delivery import deliver_for_clip
from doorstep.hub.shares.deletion import release_deleted_clip
from doorstep.hub.shares.holds import lock_clip
from doorstep.hub.storage.base import BlobStore, StoredBlob

# How far in the future an edge's clock may be before its times are refused.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CommittedClip:
    clip: Clip
    parts: list[ClipPart]
    created: bool


def part_key(home_id: uuid.UUID, clip_id: uuid.UUID, part: PartName) -> str:
    """A fresh key per upload: a late or repeated upload never overwrites a stored part."""
    return f"homes/{home_id}/clips/{clip_id}/{part.value}-{uuid.uuid4().hex}"


def check_part_writable(session: Session, *, device: EdgeDevice, clip_id: uuid.UUID) -> None:
    """Refuse uploads to a committed clip (its parts are final) or to another home's id."""
    clip = session.get(Clip, clip_id)
    if clip is not None:
        if clip.home_id != device.home_id:
            raise Conflict(f"clip id {clip_id} is taken; choose another id")
        raise Conflict(f"clip {clip_id} is committed; its parts can't change")


def record_part(
    session: Session,
    *,
    storage: BlobStore,
    device: EdgeDevice,
    clip_id: uuid.UUID,
    part: PartName,
    stored: StoredBlob,
) -> ClipPart:
    """Record an uploaded part; the blob it replaces, or a blob that came too late, goes."""
    try:
        # Checked again: the clip may have been committed while this part was uploading.
        check_part_writable(session, device=device, clip_id=clip_id)
    except Conflict:
        storage.delete(stored.key)
        raise
    row = session.get(ClipPart, (device.home_id, clip_id, part))
    if row is not None:
        storage.delete(row.blob_key)
    if row is None:
        row = ClipPart(
            home_id=device.home_id,
            clip_id=clip_id,
            part=part,
            blob_key=stored.key,
            size=stored.size,
            sha256=stored.sha256,
        )
        session.add(row)
    else:
        row.blob_key, row.size, row.sha256 = stored.key, stored.size, stored.sha256
    session.flush()
    return row


def commit_clip(session: Session, *, device: EdgeDevice, body: ClipCommit) -> CommittedClip:
    existing = session.get(Clip, body.id)
    parts = _parts(session, home_id=device.home_id, clip_id=body.id)
    if existing is not None:
        same = (
            existing.home_id == device.home_id
            and existing.camera_id == body.camera_id
            and existing.started_at == body.started_at
            and existing.ended_at == body.ended_at
        )
        if not same:
            raise Conflict(f"clip {body.id} was committed already with other details")
        return CommittedClip(clip=existing, parts=parts, created=False)
    camera = device_camera(session, device=device, camera_id=body.camera_id)
    if body.ended_at < body.started_at:
        raise InvalidInput("ended_at must not be before started_at", field="ended_at")
    length = (body.ended_at - body.started_at).total_seconds()
    if length > MAX_CLIP_SECONDS:
        raise InvalidInput(
            f"ended_at: a clip may last at most {MAX_CLIP_SECONDS} s; this one lasts "
            f"{length:g} s (split longer events into several clips)",
            field="ended_at",
        )
    if body.ended_at > utcnow() + CLOCK_SKEW:
        raise InvalidInput("ended_at is in the future; check the edge's clock", field="ended_at")
    _check_parts(parts, body)
    clip = Clip(
        id=body.id,
        home_id=device.home_id,
        camera_id=camera.id,
        device_id=device.id,
        started_at=body.started_at,
        ended_at=body.ended_at,
    )
    session.add(clip)
    session.flush()
    record_edge_keys(
        session,
        clip=clip,
        keys=[(key.recipient_key_id, key.wrapped_key, key.scope) for key in body.keys],
    )
    deliver_for_clip(session, clip=clip, camera=camera, now=utcnow())
    return CommittedClip(clip=clip, parts=parts, created=True)


def _check_parts(parts: list[ClipPart], body: ClipCommit) -> None:
    uploaded = {row.part: row for row in parts}
    twin = any(name in TWIN_PARTS for name in [*uploaded, *body.parts])
    twin_keys = any(key.scope == KeyScope.TWIN for key in body.keys)
    if twin_keys and not twin:
        raise InvalidInput("keys: a twin key is given, but the clip has no twin", field="keys")
    if twin and not twin_keys:
        raise InvalidInput("keys: the clip has a twin, but no key is given for it", field="keys")
    for name in sorted(REQUIRED_PARTS | (TWIN_PARTS if twin else frozenset())):
        row = uploaded.get(name)
        if row is None:
            raise InvalidInput(f"parts.{name}: not uploaded yet", field=f"parts.{name}")
        declared = body.parts.get(name)
        if declared is None:
            raise InvalidInput(f"parts.{name}: missing from the commit", field=f"parts.{name}")
        if (declared.size, declared.sha256) != (row.size, row.sha256):
            raise InvalidInput(
                f"parts.{name}: the uploaded bytes (size {row.size}, sha256 {row.sha256[:12]}…) "
                "differ from what the commit declares",
                field=f"parts.{name}",
            )


def _parts(session: Session, *, home_id: uuid.UUID, clip_id: uuid.UUID) -> list[ClipPart]:
    return list(
        session.scalars(
            select(ClipPart)
            .where(ClipPart.home_id == home_id, ClipPart.clip_id == clip_id)
            .order_by(ClipPart.part)
        )
    )


def list_clips(
    session: Session,
    *,
    user: User,
    camera_id: uuid.UUID,
    before: datetime | None,
    limit: int,
) -> list[tuple[Clip, list[ClipPart]]]:
    camera = get_camera(session, user=user, camera_id=camera_id)
    query = select(Clip).where(Clip.camera_id == camera.id)
    if before is not None:
        query = query.where(Clip.started_at < before)
    clips = list(session.scalars(query.order_by(Clip.started_at.desc()).limit(limit)))
    return [(clip, _parts(session, home_id=clip.home_id, clip_id=clip.id)) for clip in clips]


def get_clip(session: Session, *, user: User, clip_id: uuid.UUID, owner: bool = False) -> Clip:
    return in_callers_home(
        session, user=user, row=session.get(Clip, clip_id), name=f"clip {clip_id}", owner=owner
    )


def get_part(session: Session, *, user: User, clip_id: uuid.UUID, part: PartName) -> ClipPart:
    clip = get_clip(session, user=user, clip_id=clip_id)
    row = session.get(ClipPart, (clip.home_id, clip.id, part))
    if row is None:
        raise NotFound(f"clip {clip_id} has no {part.value} part")
    return row


def delete_clip(session: Session, *, storage: BlobStore, user: User, clip_id: uuid.UUID) -> None:
    """Delete the clip's keys and rows and commit, then its blobs.

    In that order a failure leaves at worst an orphan blob — ciphertext whose key is
    gone — never a row pointing at nothing. An agency holding a share of the clip loses
    its key to it first (shares/deletion.py); a share left with no key ends.
    """
    clip = get_clip(session, user=user, clip_id=clip_id, owner=True)
    # Taken before reading its shares, so a share being recorded is seen, or waits and fails.
    if not lock_clip(session, clip.id):
        raise NotFound(f"clip {clip_id} not found")
    release_deleted_clip(session, user=user, clip_id=clip.id)
    shred_clip(session, storage=storage, clip=clip, actor=user, action="clip.deleted")


def shred_clip(
    session: Session, *, storage: BlobStore, clip: Clip, actor: User | None, action: str
) -> None:
    """Crypto-shredding: every wrapped key goes first, then the parts; commits.

    ``actor`` is the owner who deleted it, or None for the retention sweep.
    """
    parts = _parts(session, home_id=clip.home_id, clip_id=clip.id)
    append_home_entry(
        session, action=action, actor=actor, home_id=clip.home_id, objects={"clip_id": str(clip.id)}
    )
    session.execute(delete(ClipKey).where(ClipKey.clip_id == clip.id))
    session.execute(
        delete(ClipPart).where(ClipPart.home_id == clip.home_id, ClipPart.clip_id == clip.id)
    )
    session.delete(clip)
    session.commit()
    for row in parts:
        storage.delete(row.blob_key)
