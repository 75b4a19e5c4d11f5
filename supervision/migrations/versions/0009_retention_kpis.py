"""Legal holds on evidence (retention skips held media) and camera state history (KPIs).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("placed_at", UTC_DATETIME, nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.Column("released_at", UTC_DATETIME, nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_legal_holds"),
    )
    op.create_index("ix_legal_holds_object", "legal_holds", ["object_type", "object_id"])
    op.create_table(
        "camera_state_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name="fk_camera_state_changes_camera_id_cameras"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_camera_state_changes"),
    )
    op.create_index(
        "ix_camera_state_changes_camera_at", "camera_state_changes", ["camera_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_camera_state_changes_camera_at", table_name="camera_state_changes")
    op.drop_table("camera_state_changes")
    op.drop_index("ix_legal_holds_object", table_name="legal_holds")
    op.drop_table("legal_holds")
