"""clips index for the timeline: camera, start, id, end

The timeline lists a camera's clips of a window in (started_at, id) order, a page at a
time after a clip id. With id in the index right after started_at, PostgreSQL and SQLite
read a page from the index alone, in order, without sorting the window or touching the
table (docs/benchmarks.md, bench web). Request matching reads the same index by camera and
start and checks the end in it, as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index("ix_clips_camera_started")
        batch_op.create_index(
            "ix_clips_camera_started", ["camera_id", "started_at", "id", "ended_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index("ix_clips_camera_started")
        batch_op.create_index(
            "ix_clips_camera_started", ["camera_id", "started_at", "ended_at"], unique=False
        )
