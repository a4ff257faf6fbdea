"""clip keys for the blurred twin: the scope of a wrapped key

A clip with a blurred twin has a second content key, for the twin's parts alone. Each
wrapped key says which it is (``clip`` or ``twin``), and the scope joins the primary
key, so one recipient may hold both, or only the twin's. Existing rows are clip keys.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clip_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=8), server_default="clip", nullable=False)
        )
        batch_op.drop_constraint("pk_clip_keys", type_="primary")
        batch_op.create_primary_key("pk_clip_keys", ["clip_id", "recipient_key_id", "scope"])


def downgrade() -> None:
    op.execute("DELETE FROM clip_keys WHERE scope != 'clip'")
    with op.batch_alter_table("clip_keys", schema=None) as batch_op:
        batch_op.drop_constraint("pk_clip_keys", type_="primary")
        batch_op.create_primary_key("pk_clip_keys", ["clip_id", "recipient_key_id"])
        batch_op.drop_column("scope")
