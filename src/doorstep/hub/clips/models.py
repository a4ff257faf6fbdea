"""Clips recorded by edge devices: sealed parts in blob storage, routing data in rows.

The hub keeps in clear only what routing needs — home, camera, time and size. What
the event was (labels, scores), the snapshot and the video travel as sealed parts.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.hub.db import Base, CreatedMixin

# The longest clip the hub takes; clips.service refuses longer ones. The edge's longest
# is pre-roll + the longest event + post-roll, and its config allows at most
# 60 + 3,600 + 60 s (edge.config.RecordConfig); twice that leaves room for frame timing
# and an edge with other limits. Request matching relies on it: it reads each camera's
# clips from this long before a window.
MAX_CLIP_SECONDS = 2 * 3_720


class PartName(enum.StrEnum):
    CLIP = "clip"
    SNAPSHOT = "snapshot"
    DETAILS = "details"
    TWIN_CLIP = "twin_clip"
    TWIN_SNAPSHOT = "twin_snapshot"


REQUIRED_PARTS = frozenset({PartName.CLIP, PartName.SNAPSHOT, PartName.DETAILS})
# The blurred twin: all or none of its parts, sealed under a key of its own. Edges
# without a face detector, and clips from before twins, have none.
TWIN_PARTS = frozenset({PartName.TWIN_CLIP, PartName.TWIN_SNAPSHOT})


class Clip(CreatedMixin, Base):
    """One event: its id is chosen by the edge, which makes every upload idempotent."""

    __tablename__ = "clips"
    # Request matching probes each camera's clips by start time and checks the end
    # from this index alone, without the table (docs/benchmarks.md, bench match); the
    # timeline reads a page of a camera's clips in (started_at, id) order from it.
    __table_args__ = (
        Index("ix_clips_camera_started", "camera_id", "started_at", "id", "ended_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("edge_devices.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]


class ClipPart(CreatedMixin, Base):
    """A sealed part, recorded when its upload finished; the clip row comes at commit."""

    __tablename__ = "clip_parts"

    home_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    clip_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    part: Mapped[PartName] = mapped_column(String(16), primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
