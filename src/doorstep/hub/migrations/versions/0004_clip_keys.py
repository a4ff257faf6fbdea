"""clip keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import doorstep.hub.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("retired_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_home_keys_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["home_id"], ["homes.id"], name=op.f("fk_home_keys_home_id_homes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_home_keys_public_key")),
    )
    with op.batch_alter_table("home_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_keys_home_id"), ["home_id"], unique=False)

    op.create_table(
        "user_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("private_key_box", sa.LargeBinary(length=256), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_user_keys_public_key")),
        sa.UniqueConstraint("user_id", name=op.f("uq_user_keys_user_id")),
    )
    op.create_table(
        "clip_keys",
        sa.Column("clip_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_key_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(length=128), nullable=False),
        sa.Column("shared_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["clips.id"], name=op.f("fk_clip_keys_clip_id_clips"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shared_by"],
            ["users.id"],
            name=op.f("fk_clip_keys_shared_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("clip_id", "recipient_key_id", name=op.f("pk_clip_keys")),
    )
    with op.batch_alter_table("clip_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clip_keys_recipient_key_id"), ["recipient_key_id"], unique=False
        )

    op.create_table(
        "home_key_grants",
        sa.Column("home_key_id", sa.String(length=32), nullable=False),
        sa.Column("user_key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(length=128), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_key_id"],
            ["home_keys.id"],
            name=op.f("fk_home_key_grants_home_key_id_home_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_key_id"],
            ["user_keys.id"],
            name=op.f("fk_home_key_grants_user_key_id_user_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("home_key_id", "user_key_id", name=op.f("pk_home_key_grants")),
    )
    with op.batch_alter_table("home_key_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_home_key_grants_user_key_id"), ["user_key_id"], unique=False
        )

    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key_rotation_due", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("homes", schema=None) as batch_op:
        batch_op.drop_column("key_rotation_due")

    with op.batch_alter_table("home_key_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_key_grants_user_key_id"))

    op.drop_table("home_key_grants")
    with op.batch_alter_table("clip_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clip_keys_recipient_key_id"))

    op.drop_table("clip_keys")
    op.drop_table("user_keys")
    with op.batch_alter_table("home_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_keys_home_id"))

    op.drop_table("home_keys")
