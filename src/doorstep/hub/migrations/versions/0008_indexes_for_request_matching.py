"""indexes for request matching: covering ones for cameras and clips, open requests

The cameras and clips indexes gain the columns a match reads, so PostgreSQL and SQLite
answer it from the indexes alone (docs/benchmarks.md, bench match). Requests are
indexed by when they close, for the open requests a newly committed clip may bring.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_index("ix_cameras_match_cell")
        batch_op.create_index(
            "ix_cameras_match_cell",
            ["match_cell", "id", "home_id", "longitude", "latitude"],
            unique=False,
        )
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index("ix_clips_camera_started")
        batch_op.create_index(
            "ix_clips_camera_started", ["camera_id", "started_at", "ended_at"], unique=False
        )
    with op.batch_alter_table("footage_requests", schema=None) as batch_op:
        batch_op.create_index("ix_footage_requests_open_until", ["open_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("footage_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_footage_requests_open_until")
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index("ix_clips_camera_started")
        batch_op.create_index("ix_clips_camera_started", ["camera_id", "started_at"], unique=False)
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_index("ix_cameras_match_cell")
        batch_op.create_index("ix_cameras_match_cell", ["match_cell"], unique=False)
