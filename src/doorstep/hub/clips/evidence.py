"""Clips as an evidence package holds them: the sealed parts exactly as stored.

The hub can't open a part, so what it hands over is the ciphertext the edge uploaded,
read lazily from blob storage while the package is written, with the public key of
the device that signed it. Keys wrapped to a recipient and the attestations an owner's
client sealed under each clip key come from the caller (a share records them); a legal
demand gets neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.errors import Conflict
from doorstep.evidence.package import PackageClip, PackagePart
from doorstep.hub.clips.models import Clip, ClipPart, PartName
from doorstep.hub.devices.models import EdgeDevice
from doorstep.hub.storage.base import BlobStore

# The parts a package holds, in order: the clip's own, which its clip key opens, or, for a
# share of the blurred twin alone, the twin's, which the twin's key opens. Never both.
PART_ORDER = (PartName.CLIP, PartName.SNAPSHOT, PartName.DETAILS)
TWIN_ORDER = (PartName.TWIN_CLIP, PartName.TWIN_SNAPSHOT)


class DeviceKeyMissing(Conflict):
    """A clip's edge device record is gone and no key was given: it can't be verified."""

    def __init__(self, clip_ids: Sequence[uuid.UUID]) -> None:
        listed = ", ".join(str(clip_id) for clip_id in clip_ids)
        super().__init__(
            f"clips {listed}: the edge device that signed them is no longer on record and "
            "no device key was given, so their signatures could not be checked"
        )
        self.clip_ids = list(clip_ids)


def _device_keys(session: Session, clips: Sequence[Clip]) -> dict[uuid.UUID, bytes]:
    device_ids = {clip.device_id for clip in clips if clip.device_id is not None}
    if not device_ids:
        return {}
    rows = session.execute(
        select(EdgeDevice.id, EdgeDevice.public_key).where(EdgeDevice.id.in_(device_ids))
    ).all()
    return {device_id: bytes(key) for device_id, key in rows}


def _parts(
    session: Session, clips: Sequence[Clip], twins: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ClipPart]]:
    found: dict[uuid.UUID, list[ClipPart]] = {clip.id: [] for clip in clips}
    if not clips:
        return found
    rows = session.scalars(select(ClipPart).where(ClipPart.clip_id.in_(list(found))))
    homes = {clip.id: clip.home_id for clip in clips}
    for row in rows:
        order = TWIN_ORDER if row.clip_id in twins else PART_ORDER
        if homes.get(row.clip_id) == row.home_id and row.part in order:
            found[row.clip_id].append(row)
    for clip_id, parts in found.items():
        order = TWIN_ORDER if clip_id in twins else PART_ORDER
        parts.sort(key=lambda row: order.index(PartName(row.part)))
    return found


def package_clips(
    session: Session,
    storage: BlobStore,
    clips: Sequence[Clip],
    *,
    wrapped_keys: Mapping[uuid.UUID, bytes] | None = None,
    sealed_attestations: Mapping[uuid.UUID, bytes] | None = None,
    device_keys: Mapping[uuid.UUID, bytes] | None = None,
    twins: Collection[uuid.UUID] = (),
) -> list[PackageClip]:
    """The package form of ``clips``, in the order given; nothing is read from storage yet.

    Each part's bytes are streamed from ``storage`` when the package writer calls its
    ``chunks``. The device key is ``device_keys[clip.id]`` when given (a share records
    it at share time), else the clip's device record's. ``sealed_attestations[clip.id]``
    is the attestation the owner's client sealed. A clip with no device key either way is
    not skipped in silence: :class:`DeviceKeyMissing` (409) names every such clip.
    Clips in ``twins`` (shared as their blurred twin alone) hold the twin's parts.
    """
    given = device_keys or {}
    on_record = _device_keys(session, [clip for clip in clips if clip.id not in given])
    keys: dict[uuid.UUID, bytes] = {}
    for clip in clips:
        key = given.get(clip.id)
        if key is None and clip.device_id is not None:
            key = on_record.get(clip.device_id)
        if key is not None:
            keys[clip.id] = key
    missing = [clip.id for clip in clips if clip.id not in keys]
    if missing:
        raise DeviceKeyMissing(missing)
    parts = _parts(session, clips, twins)
    packaged = []
    for clip in clips:
        packaged.append(
            PackageClip(
                clip_id=clip.id,
                camera_id=clip.camera_id,
                started_at=clip.started_at,
                ended_at=clip.ended_at,
                device_public_key=keys[clip.id],
                parts=[
                    PackagePart(
                        name=str(row.part),
                        chunks=partial(storage.get, row.blob_key),
                    )
                    for row in parts[clip.id]
                ],
                wrapped_key=(wrapped_keys or {}).get(clip.id),
                sealed_attestation=(sealed_attestations or {}).get(clip.id),
            )
        )
    return packaged
