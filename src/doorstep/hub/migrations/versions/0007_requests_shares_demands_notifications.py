"""requests, shares, demands, notifications

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import h3
import sqlalchemy as sa
from alembic import op

import doorstep.hub.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_settings",
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("receive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("agency_kinds", sa.String(length=200), nullable=False),
        sa.Column("quiet_start_minute", sa.Integer(), nullable=True),
        sa.Column("quiet_end_minute", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column(
            "emergencies_bypass_quiet", sa.Boolean(), server_default=sa.true(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["home_id"],
            ["homes.id"],
            name=op.f("fk_request_settings_home_id_homes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("home_id", name=op.f("pk_request_settings")),
    )
    op.create_table(
        "footage_requests",
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("investigation_code", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("area_m2", sa.Double(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("coarse_cells", sa.Text(), nullable=False),
        sa.Column("window_start", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("open_until", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("emergency_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("withdrawn_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("audit_index", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_footage_requests_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_footage_requests_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footage_requests")),
    )
    with op.batch_alter_table("footage_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_footage_requests_agency_code", ["agency_id", "investigation_code"], unique=False
        )
        batch_op.create_index(
            "ix_footage_requests_agency_created", ["agency_id", "created_at"], unique=False
        )

    op.create_table(
        "legal_demands",
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=True),
        sa.Column("camera_id", sa.Uuid(), nullable=True),
        sa.Column("window_start", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "notice_delayed_until", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("served_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
            name=op.f("fk_legal_demands_camera_id_cameras"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["home_id"],
            ["homes.id"],
            name=op.f("fk_legal_demands_home_id_homes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_legal_demands_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_demands")),
    )
    with op.batch_alter_table("legal_demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_demands_home_id"), ["home_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("visible_from", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_user_visible", ["user_id", "visible_from"], unique=False
        )

    op.create_table(
        "demand_notices",
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("notify_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notified_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["legal_demands.id"],
            name=op.f("fk_demand_notices_demand_id_legal_demands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_demand_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("demand_id", "user_id", name=op.f("pk_demand_notices")),
    )
    with op.batch_alter_table("demand_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demand_notices_notify_at"), ["notify_at"], unique=False
        )

    op.create_table(
        "request_deliveries",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("answered_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["home_id"],
            ["homes.id"],
            name=op.f("fk_request_deliveries_home_id_homes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["footage_requests.id"],
            name=op.f("fk_request_deliveries_request_id_footage_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_deliveries")),
    )
    with op.batch_alter_table("request_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_deliveries_home_id"), ["home_id"], unique=False
        )
        batch_op.create_index(
            "uq_request_deliveries_request_home", ["request_id", "home_id"], unique=True
        )

    op.create_table(
        "request_flags",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("flagged_by", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["flagged_by"],
            ["users.id"],
            name=op.f("fk_request_flags_flagged_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["footage_requests.id"],
            name=op.f("fk_request_flags_request_id_footage_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["users.id"],
            name=op.f("fk_request_flags_reviewed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_flags")),
    )
    with op.batch_alter_table("request_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_flags_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "shares",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("home_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("agency_key_id", sa.String(length=32), nullable=False),
        sa.Column("shared_by", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("expires_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("extension_until", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("audit_index", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_shares_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["home_id"], ["homes.id"], name=op.f("fk_shares_home_id_homes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["footage_requests.id"],
            name=op.f("fk_shares_request_id_footage_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_by"], ["users.id"], name=op.f("fk_shares_shared_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shares")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shares_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shares_home_id"), ["home_id"], unique=False)
        batch_op.create_index("ix_shares_open_expiry", ["ended_at", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_shares_request_id"), ["request_id"], unique=False)

    op.create_table(
        "share_downloads",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("member_name", sa.String(length=100), nullable=False),
        sa.Column("at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("audit_index", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_share_downloads_member_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["shares.id"],
            name=op.f("fk_share_downloads_share_id_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_downloads")),
    )
    with op.batch_alter_table("share_downloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_downloads_share_id"), ["share_id"], unique=False)

    op.create_table(
        "share_events",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("audit_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["shares.id"],
            name=op.f("fk_share_events_share_id_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", "audit_index", name=op.f("pk_share_events")),
    )
    op.create_table(
        "shared_clips",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("clip_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("device_public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("ciphertext_sha256", sa.String(length=64), nullable=False),
        sa.Column("attestations", sa.Text(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["shares.id"],
            name=op.f("fk_shared_clips_share_id_shares"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", "clip_id", name=op.f("pk_shared_clips")),
    )
    with op.batch_alter_table("shared_clips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_clips_clip_id"), ["clip_id"], unique=False)

    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jurisdiction", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("public_key", sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("suspended_at", doorstep.hub.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("suspension_reason", sa.String(length=500), nullable=True))

    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_cell", sa.String(length=16), nullable=True))
    _fill_match_cells()
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.alter_column("match_cell", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_index(batch_op.f("ix_cameras_match_cell"), ["match_cell"], unique=False)


def _fill_match_cells() -> None:
    """Existing cameras get their matching cell (H3 resolution 10) from their location."""
    connection = op.get_bind()
    cameras = sa.table(
        "cameras",
        sa.column("id", sa.Uuid()),
        sa.column("latitude", sa.Float()),
        sa.column("longitude", sa.Float()),
        sa.column("match_cell", sa.String()),
    )
    rows = connection.execute(sa.select(cameras.c.id, cameras.c.latitude, cameras.c.longitude))
    for camera_id, latitude, longitude in rows.all():
        connection.execute(
            cameras.update()
            .where(cameras.c.id == camera_id)
            .values(match_cell=h3.latlng_to_cell(latitude, longitude, 10))
        )


def downgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cameras_match_cell"))
        batch_op.drop_column("match_cell")

    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("key_id")
        batch_op.drop_column("public_key")
        batch_op.drop_column("jurisdiction")

    with op.batch_alter_table("shared_clips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_clips_clip_id"))

    op.drop_table("shared_clips")
    op.drop_table("share_events")
    with op.batch_alter_table("share_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_downloads_share_id"))

    op.drop_table("share_downloads")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shares_request_id"))
        batch_op.drop_index("ix_shares_open_expiry")
        batch_op.drop_index(batch_op.f("ix_shares_home_id"))
        batch_op.drop_index(batch_op.f("ix_shares_agency_id"))

    op.drop_table("shares")
    with op.batch_alter_table("request_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_flags_request_id"))

    op.drop_table("request_flags")
    with op.batch_alter_table("request_deliveries", schema=None) as batch_op:
        batch_op.drop_index("uq_request_deliveries_request_home")
        batch_op.drop_index(batch_op.f("ix_request_deliveries_home_id"))

    op.drop_table("request_deliveries")
    with op.batch_alter_table("demand_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demand_notices_notify_at"))

    op.drop_table("demand_notices")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_visible")

    op.drop_table("notifications")
    with op.batch_alter_table("legal_demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_demands_home_id"))

    op.drop_table("legal_demands")
    with op.batch_alter_table("footage_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_footage_requests_agency_created")
        batch_op.drop_index("ix_footage_requests_agency_code")

    op.drop_table("footage_requests")
    op.drop_table("request_settings")
