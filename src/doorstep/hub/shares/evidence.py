"""A share's receipt for the owner and evidence package for the agency, signed by the hub.

Both prove their audit entries against a signed checkpoint; one is issued on the spot
when the newest doesn't cover them yet, so the proof never waits for the periodic one.
The package also carries every version of the home's owner-signed key list, each with
the proof of its ``home_keys.signed`` entry into that same checkpoint, so the agency
can tell the device keys the owner vouched for from any key the hub might add.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.audit.keyproof import KeyProof
from doorstep.crypto.format import b64encode
from doorstep.crypto.keylist import SignedKeyList
from doorstep.errors import Conflict
from doorstep.evidence.custody import Custody
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
from doorstep.hub.keys.models import HomeKeyList
from doorstep.hub.requests.models import FootageRequest
from doorstep.hub.shares.models import Share, ShareDownload, ShareEvent
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
    # Ciphertext hashes only: what the clips hold stays between the owner and the agency.
    clips = [
        {"clip_id": str(clip.clip_id), "ciphertext_sha256": clip.ciphertext_sha256}
        for clip in shared_clips(session, share.id)
    ]
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
            "proof": [b64encode(node) for node in proven.proof],
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
    lists = list(
        session.scalars(
            select(HomeKeyList)
            .where(HomeKeyList.home_id == share.home_id)
            .order_by(HomeKeyList.version)
        )
    )
    if not lists:
        raise Conflict(
            f"share {share.id}'s home has no owner-signed key list: the agency could not "
            "tell its device keys from any other"
        )
    list_indices = [row.audit_index for row in lists]
    checkpoint = _checkpoint(state, max(indices[-1], *list_indices) + 1)
    # Clips the owner deleted since (their keys shredded) are no longer anyone's to hand over.
    held = {row.clip_id: row for row in shared_clips(session, share.id) if row.wrapped_key}
    stored = session.scalars(select(Clip).where(Clip.id.in_(held)).order_by(Clip.started_at))
    clips = package_clips(
        session,
        state.storage,
        list(stored),
        wrapped_keys={clip_id: row.wrapped_key for clip_id, row in held.items() if row.wrapped_key},
        sealed_attestations={
            clip_id: row.sealed_attestation
            for clip_id, row in held.items()
            if row.sealed_attestation
        },
        device_keys={clip_id: row.device_public_key for clip_id, row in held.items()},
        twins={clip_id for clip_id, row in held.items() if row.twin},
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
        key_lists=_proven_lists(
            lists, custody_log(session, indices=list_indices, checkpoint=checkpoint)
        ),
        created_at=utcnow(),
        **_signer(state),
    )


def _proven_lists(lists: Sequence[HomeKeyList], proven: Custody) -> list[dict[str, Any]]:
    """Each signed list in its wire form, with its entry's proof (a KeyProof)."""
    by_index = {item.index: item for item in proven.entries}
    return [
        {
            **SignedKeyList(row.version, row.body, row.signer, row.signature).to_json(),
            "proof": KeyProof(
                index=row.audit_index,
                entry=by_index[row.audit_index].entry,
                checkpoint=proven.checkpoint,
                inclusion=tuple(by_index[row.audit_index].proof),
            ).to_json(),
        }
        for row in lists
    ]
