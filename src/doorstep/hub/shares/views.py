"""Shape shares for their owner and for the agency (the routers' shared response builders)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.hub.agencies.models import Agency
from doorstep.hub.clips.models import Clip
from doorstep.hub.clips.retention import retention_cutoff
from doorstep.hub.db import utcnow
from doorstep.hub.homes.models import Home
from doorstep.hub.shares.holds import live
from doorstep.hub.shares.models import Share, SharedClip, ShareDownload
from doorstep.hub.shares.schemas import (
    DownloadPublic,
    SharedClipPublic,
    ShareForAgency,
    SharePublic,
)
from doorstep.hub.shares.service import shared_clips


def _held_past_retention(session: Session, share: Share, now: datetime) -> set[uuid.UUID]:
    """The share's clips that the retention sweep keeps only because it is live."""
    rows = session.execute(
        select(Clip.id, Clip.ended_at, Home.retention_days)
        .join(Home, Home.id == Clip.home_id)
        .join(SharedClip, SharedClip.clip_id == Clip.id)
        .join(Share, Share.id == SharedClip.share_id)
        .where(Share.id == share.id, *live(now))
    )
    return {clip_id for clip_id, ended, days in rows if ended < retention_cutoff(now, days)}


def for_owner(session: Session, share: Share) -> SharePublic:
    agency = session.get(Agency, share.agency_id)
    held = _held_past_retention(session, share, utcnow())
    downloads = session.scalars(
        select(ShareDownload).where(ShareDownload.share_id == share.id).order_by(ShareDownload.at)
    )
    clips = [
        SharedClipPublic(
            clip_id=clip.clip_id,
            camera_id=clip.camera_id,
            started_at=clip.started_at,
            ended_at=clip.ended_at,
            ciphertext_sha256=clip.ciphertext_sha256,
            twin=clip.twin,
            key_held=clip.wrapped_key is not None,
            held_past_retention=clip.clip_id in held,
        )
        for clip in shared_clips(session, share.id)
    ]
    return SharePublic(
        id=share.id,
        request_id=share.request_id,
        agency=agency.name if agency else "",
        agency_key_id=share.agency_key_id,
        purpose=share.purpose,
        created_at=share.created_at,
        expires_at=share.expires_at,
        ended_at=share.ended_at,
        end_reason=share.end_reason,
        extension_until=share.extension_until,
        extension_reason=share.extension_reason,
        clips=clips,
        downloads=[DownloadPublic.model_validate(row) for row in downloads],
    )


def for_agency(session: Session, share: Share) -> ShareForAgency:
    return ShareForAgency(
        id=share.id,
        request_id=share.request_id,
        created_at=share.created_at,
        expires_at=share.expires_at,
        ended_at=share.ended_at,
        end_reason=share.end_reason,
        extension_until=share.extension_until,
        clips=len(shared_clips(session, share.id)),
    )
