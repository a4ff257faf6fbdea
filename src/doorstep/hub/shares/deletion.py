"""An owner deleting a clip they shared: the agency loses its key, on the record.

Every share still open that holds a key to the clip loses that key and logs
``share.clip_deleted`` in its custody log; a share left holding no key ends as
withdrawn, as if the owner had withdrawn it. The agency's members are told.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.audit.actions import CLIP_ID, REQUEST_ID
from doorstep.hub.accounts.models import User
from doorstep.hub.notifications.service import notify
from doorstep.hub.shares.models import Share, SharedClip
from doorstep.hub.shares.service import agency_member_ids, append_share_entries, withdraw_share


def release_deleted_clip(session: Session, *, user: User, clip_id: uuid.UUID) -> None:
    """Take every agency's key to ``clip_id`` before its owner, ``user``, deletes it."""
    held = session.execute(
        select(SharedClip, Share)
        .join(Share, Share.id == SharedClip.share_id)
        .where(
            SharedClip.clip_id == clip_id,
            SharedClip.wrapped_key.is_not(None),
            Share.ended_at.is_(None),
        )
        .order_by(Share.created_at, Share.id)
    ).all()
    for shared, share in held:
        shared.wrapped_key = None
        append_share_entries(
            session,
            share,
            user,
            [
                (
                    "share.clip_deleted",
                    {
                        "share_id": str(share.id),
                        REQUEST_ID: str(share.request_id),
                        CLIP_ID: str(clip_id),
                    },
                )
            ],
        )
        session.flush()
        still_held = session.scalar(
            select(SharedClip.clip_id)
            .where(SharedClip.share_id == share.id, SharedClip.wrapped_key.is_not(None))
            .limit(1)
        )
        if still_held is None:
            withdraw_share(session, user=user, share_id=share.id)
            continue
        notify(
            session,
            user_ids=agency_member_ids(session, share.agency_id),
            kind="share_clip_deleted",
            subject_id=share.id,
            message="A resident deleted a clip they had shared: its key is deleted.",
        )
