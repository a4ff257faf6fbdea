"""shared twins: a share may hand over a clip's blurred twin alone

``shared_clips.twin`` says the agency was given the twin's key and gets the twin's parts,
never the clip's own. Existing shares are of whole clips.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shared_clips", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("twin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("shared_clips", schema=None) as batch_op:
        batch_op.drop_column("twin")
