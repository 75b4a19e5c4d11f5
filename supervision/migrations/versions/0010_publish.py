"""Publication to other systems: a journal of event changes and each target's cursor.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "event_changes",
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=True),
        sa.Column("escalated_to", sa.String(length=16), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name="fk_event_changes_event_id_events",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transition_id"],
            ["event_transitions.id"],
            name="fk_event_changes_transition_id_event_transitions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("revision", name="pk_event_changes"),
    )
    op.create_index("ix_event_changes_event_id", "event_changes", ["event_id"])
    op.create_index("ix_event_changes_transition_id", "event_changes", ["transition_id"])
    op.create_table(
        "publish_cursors",
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("target", name="pk_publish_cursors"),
    )


def downgrade() -> None:
    op.drop_table("publish_cursors")
    op.drop_index("ix_event_changes_transition_id", table_name="event_changes")
    op.drop_index("ix_event_changes_event_id", table_name="event_changes")
    op.drop_table("event_changes")
