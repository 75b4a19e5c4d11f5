"""Cameras remember when they were added, so that uptime is measured from then.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): a batch rebuild of `cameras` would drop the table that
    # events, state changes and configurations refer to.
    op.add_column("cameras", sa.Column("created_at", UTC_DATETIME, nullable=True))
    cameras = sa.table(
        "cameras",
        sa.column("id", sa.String),
        sa.column("updated_at", UTC_DATETIME),
        sa.column("created_at", UTC_DATETIME),
    )
    changes = sa.table(
        "camera_state_changes", sa.column("camera_id", sa.String), sa.column("at", UTC_DATETIME)
    )
    # An existing camera was there at least since its first recorded state change; one that
    # never reported, since its row was last written.
    first_change = (
        sa.select(sa.func.min(changes.c.at))
        .where(changes.c.camera_id == cameras.c.id)
        .scalar_subquery()
    )
    op.execute(
        cameras.update().values(created_at=sa.func.coalesce(first_change, cameras.c.updated_at))
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), for the same reason as above.
    op.drop_column("cameras", "created_at")
