"""owner-signed keys: signing keys, home key lists, key proofs, pairing tags, web manifests

User keys gain the Ed25519 signing key derived from the X25519 key, its binding
signature and the index of the audit entry that published them. No deployment holds
user keys yet, and a key without a signing key can't be trusted by anyone: the upgrade
deletes every user key, with the home key grants wrapped to them and the clip keys
shared to them (each resident publishes a new key with `doorstep keys generate`).

Homes keep every version of their owner-signed key list. Edge devices keep the pairing
code and tag they paired with, agencies and devices the index of the entry that logged
their key, cameras the edge's key alarm, and the hub the manifests of the web code it
served. Shared clips keep the attestation sealed for the agency instead of the clear
one: the plaintext digests and device signatures the hub kept are dropped (the hub must
hold none; a downgrade leaves an empty object in their place).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import doorstep.hub.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM clip_keys WHERE recipient_kind = 'user'"))
    op.execute(sa.text("DELETE FROM home_key_grants"))
    op.execute(sa.text("DELETE FROM user_keys"))
    with op.batch_alter_table("user_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signing_key", sa.LargeBinary(length=32), nullable=False))
        batch_op.add_column(
            sa.Column("binding_signature", sa.LargeBinary(length=64), nullable=False)
        )
        batch_op.add_column(sa.Column("audit_index", sa.BigInteger(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_user_keys_signing_key"), ["signing_key"])

    op.create_table(
        "home_key_lists",
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("signer", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("audit_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_id"],
            ["homes.id"],
            name=op.f("fk_home_key_lists_home_id_homes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("home_id", "version", name=op.f("pk_home_key_lists")),
    )

    with op.batch_alter_table("edge_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pairing_code_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("pairing_tag", sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column("audit_index", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("pairing_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_tag", sa.LargeBinary(length=32), nullable=True))
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_audit_index", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health_key_alarm", sa.String(length=300), nullable=True))
    with op.batch_alter_table("shared_clips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_attestation", sa.LargeBinary(), nullable=True))
        batch_op.drop_column("attestations")

    op.create_table(
        "web_manifests",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audit_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_web_manifests")),
    )


def downgrade() -> None:
    op.drop_table("web_manifests")
    with op.batch_alter_table("shared_clips", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attestations", sa.Text(), server_default="{}", nullable=False)
        )
        batch_op.drop_column("sealed_attestation")
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_column("health_key_alarm")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("key_audit_index")
    with op.batch_alter_table("pairing_codes", schema=None) as batch_op:
        batch_op.drop_column("owner_tag")
    with op.batch_alter_table("edge_devices", schema=None) as batch_op:
        batch_op.drop_column("audit_index")
        batch_op.drop_column("pairing_tag")
        batch_op.drop_column("pairing_code_id")

    op.drop_table("home_key_lists")
    with op.batch_alter_table("user_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_keys_signing_key"), type_="unique")
        batch_op.drop_column("audit_index")
        batch_op.drop_column("binding_signature")
        batch_op.drop_column("signing_key")
