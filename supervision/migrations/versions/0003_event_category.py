"""Events carry their risk category and the zone a rule watched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CAMERA_TYPES = ("camera_offline",)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("category", sa.String(32), nullable=False, server_default="falls")
        )
        batch.add_column(sa.Column("zone_id", sa.String(64), nullable=True))
        batch.create_index("ix_events_category", ["category"])
    events = sa.table("events", sa.column("type", sa.String), sa.column("category", sa.String))
    op.execute(
        events.update().where(events.c.type.in_(_CAMERA_TYPES)).values(category="camera_health")
    )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_category")
        batch.drop_column("zone_id")
        batch.drop_column("category")
