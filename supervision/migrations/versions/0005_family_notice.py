"""Workflow steps record the family notification that closing a fall asks for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_transitions") as batch:
        batch.add_column(sa.Column("family_notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("family_notify_method", sa.String(16), nullable=True))
        batch.add_column(sa.Column("family_notified_by", sa.String(200), nullable=True))


def downgrade() -> None:
    for column in ("family_notified_by", "family_notify_method", "family_notified_at"):
        op.drop_column("event_transitions", column)
