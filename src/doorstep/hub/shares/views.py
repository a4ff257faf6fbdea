"""Shape shares for their owner and for the agency (the routers' shared response builders)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.hub.agencies.models import Agency
from doorstep.hub.shares.models import Share, ShareDownload
from doorstep.hub.shares.schemas import (
    DownloadPublic,
    SharedClipPublic,
    ShareForAgency,
    SharePublic,
)
from doorstep.hub.shares.service import shared_clips


def for_owner(session: Session, share: Share) -> SharePublic:
    agency = session.get(Agency, share.agency_id)
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
            key_held=clip.wrapped_key is not None,
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
