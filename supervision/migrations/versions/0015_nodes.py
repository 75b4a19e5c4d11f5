"""Nodes: the processes that share the database, their heartbeats, and which ran what.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("last_seen_at", UTC_DATETIME, nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("silent_since", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nodes")),
    )
    # Plain ADD COLUMN (nullable): a batch rebuild of `cameras` or `events` would drop the
    # tables that refer to them.
    op.add_column("cameras", sa.Column("node_id", sa.String(64), nullable=True))
    op.create_index(op.f("ix_cameras_node_id"), "cameras", ["node_id"])
    op.add_column("events", sa.Column("node_id", sa.String(64), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35), for the same reason as above.
    op.drop_column("events", "node_id")
    op.drop_index(op.f("ix_cameras_node_id"), table_name="cameras")
    op.drop_column("cameras", "node_id")
    op.drop_table("nodes")
