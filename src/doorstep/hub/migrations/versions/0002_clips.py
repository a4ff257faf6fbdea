"""clips

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import doorstep.hub.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clip_parts",
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("clip_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("blob_key", sa.String(length=512), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_id"], ["homes.id"], name=op.f("fk_clip_parts_home_id_homes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("home_id", "clip_id", "part", name=op.f("pk_clip_parts")),
    )
    with op.batch_alter_table("clip_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clip_parts_clip_id"), ["clip_id"], unique=False)

    op.create_table(
        "clips",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_clips_camera_id_cameras"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["edge_devices.id"],
            name=op.f("fk_clips_device_id_edge_devices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["home_id"], ["homes.id"], name=op.f("fk_clips_home_id_homes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clips")),
    )
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.create_index("ix_clips_camera_started", ["camera_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_clips_home_id"), ["home_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clips_home_id"))
        batch_op.drop_index("ix_clips_camera_started")

    op.drop_table("clips")
    with op.batch_alter_table("clip_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clip_parts_clip_id"))

    op.drop_table("clip_parts")
