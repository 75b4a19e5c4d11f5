"""District changes: what a node took in from another, where each change came from, media keys.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "site_changes",
        sa.Column("node_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("applied_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("node_id", "revision", name=op.f("pk_site_changes")),
    )
    # Plain ADD COLUMN (nullable), as in 0015.
    op.add_column("event_changes", sa.Column("origin", sa.String(64), nullable=True))
    for kind in ("snapshot", "clip"):
        op.add_column("events", sa.Column(f"{kind}_object", sa.String(512), nullable=True))
        op.add_column("events", sa.Column(f"{kind}_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    for kind in ("snapshot", "clip"):
        op.drop_column("events", f"{kind}_object")
        op.drop_column("events", f"{kind}_sha256")
    op.drop_column("event_changes", "origin")
    op.drop_table("site_changes")
