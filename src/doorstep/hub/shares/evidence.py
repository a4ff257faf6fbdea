"""A share's receipt for the owner and evidence package for the agency, signed by the hub.

Both prove their audit entries against a signed checkpoint; one is issued on the spot
when the newest doesn't cover them yet, so the proof never waits for the periodic one.
"""

from __future__ import annotations

import base64
import json
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict
from doorstep.evidence.package import write_package
from doorstep.evidence.receipt import sign_receipt
from doorstep.hub.accounts.models import User
from doorstep.hub.agencies.models import Agency
from doorstep.hub.audit.checkpoints import log_key, log_private_key
from doorstep.hub.audit.custody import checkpoint_covering, custody_log
from doorstep.hub.audit.models import AuditCheckpoint
from doorstep.hub.audit.service import NewEntry, actor_of, append_entries
from doorstep.hub.clips.evidence import package_clips
from doorstep.hub.clips.models import Clip
from doorstep.hub.db import utcnow
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.shares.models import Share, SharedClip, ShareDownload, ShareEvent
from doorstep.hub.shares.service import shared_clips
from doorstep.hub.state import HubState


def _signer(state: HubState) -> dict[str, Any]:
    origin = state.settings.audit_origin
    return {
        "signing_key": log_private_key(state.secret_key),
        "log_key": log_key(state.secret_key, origin),
    }


def _checkpoint(state: HubState, size: int) -> AuditCheckpoint:
    return checkpoint_covering(
        state.sessions,
        secret_key=state.secret_key,
        origin=state.settings.audit_origin,
        size=size,
    )


def receipt(session: Session, state: HubState, share: Share) -> dict[str, Any]:
    """The owner's signed record of what was handed over, to whom, until when."""
    request = session.get(FootageRequest, share.request_id)
    agency = session.get(Agency, share.agency_id)
    assert request is not None and agency is not None  # foreign keys
    checkpoint = _checkpoint(state, share.audit_index + 1)
    [proven] = custody_log(session, indices=[share.audit_index], checkpoint=checkpoint).entries
    clips = []
    for clip in shared_clips(session, share.id):
        attested = json.loads(clip.attestations).get("clip", {})
        clips.append(
            {
                "clip_id": str(clip.clip_id),
                "ciphertext_sha256": clip.ciphertext_sha256,
                "plaintext_sha256": attested.get("plaintext_sha256"),
                "device_signature": attested.get("device_signature"),
            }
        )
    body = {
        "share_id": str(share.id),
        "request_id": str(request.id),
        "agency": agency.name,
        "agency_key_id": share.agency_key_id,
        "investigation_code": request.investigation_code,
        "purpose": share.purpose,
        "shared_at": share.created_at.isoformat(),
        "expires_at": share.expires_at.isoformat(),
        "clips": clips,
        "audit": {
            "index": proven.index,
            "entry": proven.entry.decode("utf-8"),
            "proof": [base64.b64encode(node).decode("ascii") for node in proven.proof],
            "checkpoint": checkpoint.note,
        },
    }
    return sign_receipt(body, **_signer(state))


def record_download(session: Session, *, member: User, share: Share) -> ShareDownload:
    """Log a member's package download (in the caller's transaction); refused once ended."""
    now = utcnow()
    if share.ended_at is not None or share.expires_at <= now:
        ended = share.ended_at or share.expires_at
        raise Conflict(
            f"share {share.id} ended on {ended:%Y-%m-%d} ({share.end_reason or 'expired'}); "
            "its clip keys are deleted"
        )
    [index] = append_entries(
        session,
        [
            NewEntry(
                action="share.downloaded",
                actor=actor_of(session, member),
                objects={"share_id": str(share.id), "request_id": str(share.request_id)},
                at=now,
            )
        ],
    )
    session.add(ShareEvent(share_id=share.id, audit_index=index))
    download = ShareDownload(
        share_id=share.id,
        member_id=member.id,
        member_name=member.display_name,
        at=now,
        audit_index=index,
    )
    session.add(download)
    session.flush()
    return download


def write_share_package(out: BinaryIO, session: Session, state: HubState, share: Share) -> None:
    """The agency's evidence package: ciphertext, its wrapped keys, terms and custody."""
    request = session.get(FootageRequest, share.request_id)
    agency = session.get(Agency, share.agency_id)
    assert request is not None and agency is not None  # foreign keys
    indices = sorted(
        session.scalars(select(ShareEvent.audit_index).where(ShareEvent.share_id == share.id))
    )
    checkpoint = _checkpoint(state, indices[-1] + 1)
    # Clips the owner deleted since (their keys shredded) are no longer anyone's to hand over.
    held = {row.clip_id: row for row in shared_clips(session, share.id) if row.wrapped_key}
    stored = session.scalars(select(Clip).where(Clip.id.in_(held)).order_by(Clip.started_at))
    clips = package_clips(
        session,
        state.storage,
        list(stored),
        wrapped_keys={clip_id: row.wrapped_key for clip_id, row in held.items() if row.wrapped_key},
        attestations={clip_id: _attested(row) for clip_id, row in held.items()},
        device_keys={clip_id: row.device_public_key for clip_id, row in held.items()},
    )
    write_package(
        out,
        kind="share",
        subject={
            "share_id": str(share.id),
            "request_id": str(request.id),
            "agency": agency.name,
            "investigation_code": request.investigation_code,
            "category": request.category,
        },
        terms={
            "purpose": share.purpose,
            "shared_at": share.created_at.isoformat(),
            "expires_at": share.expires_at.isoformat(),
            "retention_days": request.retention_days,
            "agency_key_id": share.agency_key_id,
            "rules": "Access ends at expires_at unless the owner extends it; the owner may "
            "withdraw earlier. Use only for the investigation named.",
        },
        recipient_key_id=share.agency_key_id,
        clips=clips,
        custody=custody_log(session, indices=indices, checkpoint=checkpoint),
        created_at=utcnow(),
        **_signer(state),
    )


def _attested(row: SharedClip) -> dict[str, tuple[bytes, bytes]]:
    """Each part's (plaintext SHA-256, device signature), as the owner's client saw them."""
    return {
        part: (bytes.fromhex(seen["plaintext_sha256"]), base64.b64decode(seen["device_signature"]))
        for part, seen in json.loads(row.attestations).items()
    }
