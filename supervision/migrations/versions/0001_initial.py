"""Initial schema: facilities, cameras, events and their status history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)

EVENT_INDEXES = ("camera_id", "parent_key", "revision", "started_at", "status", "type")


def upgrade() -> None:
    _create_facilities()
    _create_cameras()
    _create_events()
    _create_event_transitions()


def downgrade() -> None:
    op.drop_index("ix_event_transitions_event_id", table_name="event_transitions")
    op.drop_table("event_transitions")
    for column in EVENT_INDEXES:
        op.drop_index(f"ix_events_{column}", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_cameras_facility_id", table_name="cameras")
    op.drop_table("cameras")
    op.drop_table("facilities")


def _create_facilities() -> None:
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_facilities"),
    )


def _create_cameras() -> None:
    op.create_table(
        "cameras",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("last_frame_at", UTC_DATETIME, nullable=True),
        sa.Column("fps", sa.Double(), nullable=False),
        sa.Column("frames_read", sa.Integer(), nullable=False),
        sa.Column("frames_dropped", sa.Integer(), nullable=False),
        sa.Column("reconnects", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name="fk_cameras_facility_id_facilities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cameras"),
    )
    op.create_index("ix_cameras_facility_id", "cameras", ["facility_id"])


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("parent_key", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("start_s", sa.Double(), nullable=False),
        sa.Column("end_s", sa.Double(), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("snapshot_path", sa.Text(), nullable=True),
        sa.Column("clip_path", sa.Text(), nullable=True),
        sa.Column("clip_start_s", sa.Double(), nullable=True),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_by", sa.String(length=200), nullable=True),
        sa.Column("status_at", UTC_DATETIME, nullable=True),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], name="fk_events_camera_id_cameras"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("key", name="uq_events_key"),
    )
    for column in EVENT_INDEXES:
        op.create_index(f"ix_events_{column}", "events", [column])


def _create_event_transitions() -> None:
    op.create_table(
        "event_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name="fk_event_transitions_event_id_events",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_transitions"),
    )
    op.create_index("ix_event_transitions_event_id", "event_transitions", ["event_id"])
