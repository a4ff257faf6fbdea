"""camera health

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import doorstep.hub.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "health_reported_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("health_connected", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("health_fps", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "health_last_frame_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("health_errors", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_column("health_errors")
        batch_op.drop_column("health_last_frame_at")
        batch_op.drop_column("health_fps")
        batch_op.drop_column("health_connected")
        batch_op.drop_column("health_reported_at")
