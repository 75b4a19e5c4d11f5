"""Incidents keep their own history and phone pushes; events say when they were raised.

Adds `incident_steps` (one row per action on an incident), `push_deliveries` (phone-group
pushes owed and made), the incident's own escalation and reminder times, `events.detected_at`
and each user's alarm-sound choice. Existing incidents get their history from their events':
steps of one person to one status with one note, within two seconds of each other (an
incident step used to write one per event), become one step.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of tables.UTCDateTime's storage type and of the rules at this revision.
UTC_DATETIME = sa.DateTime(timezone=True)
ESCALATION_LEVELS = ("street", "district")
SYSTEM_ACTOR = "carewatch"
SAME_STEP = timedelta(seconds=2)

EVENTS = sa.table(
    "events", sa.column("id"), sa.column("incident_id"), sa.column("escalated_to")
)
TRANSITIONS = sa.table(
    "event_transitions",
    *(sa.column(name) for name in ("id", "event_id", "from_status", "to_status", "actor")),
    *(sa.column(name) for name in ("note", "family_notify_method", "family_notified_by")),
    sa.column("at", UTC_DATETIME),
    sa.column("family_notified_at", UTC_DATETIME),
)
INCIDENTS = sa.table(
    "incidents",
    sa.column("id"),
    sa.column("escalated_to"),
    sa.column("escalated_at", UTC_DATETIME),
)
STEPS = sa.table(
    "incident_steps",
    *(sa.column(name) for name in ("incident_id", "action", "from_status", "to_status")),
    *(sa.column(name) for name in ("actor", "note", "escalated_to")),
    *(sa.column(name) for name in ("family_notify_method", "family_notified_by")),
    sa.column("event_ids", sa.JSON()),
    sa.column("at", UTC_DATETIME),
    sa.column("family_notified_at", UTC_DATETIME),
)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("detected_at", UTC_DATETIME, nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("alarm_sound", sa.Boolean(), nullable=True))
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("escalated_to", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("escalated_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("reminded_at", UTC_DATETIME, nullable=True))
    _create_steps()
    _create_pushes()
    _backfill()


def downgrade() -> None:
    op.drop_index("ix_push_deliveries_once", table_name="push_deliveries")
    for column in ("due_at", "incident_id", "status"):
        op.drop_index(f"ix_push_deliveries_{column}", table_name="push_deliveries")
    op.drop_table("push_deliveries")
    for column in ("at", "incident_id"):
        op.drop_index(f"ix_incident_steps_{column}", table_name="incident_steps")
    op.drop_table("incident_steps")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop and recreate each table,
    # which rows of other tables refer to (events to incidents; tokens to users, cascading).
    for column in ("reminded_at", "escalated_at", "escalated_to"):
        op.drop_column("incidents", column)
    op.drop_column("users", "alarm_sound")
    op.drop_column("events", "detected_at")


def _create_steps() -> None:
    op.create_table(
        "incident_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("escalated_to", sa.String(length=16), nullable=True),
        sa.Column("family_notified_at", UTC_DATETIME, nullable=True),
        sa.Column("family_notify_method", sa.String(length=16), nullable=True),
        sa.Column("family_notified_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_steps_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_steps"),
    )
    for column in ("at", "incident_id"):
        op.create_index(f"ix_incident_steps_{column}", "incident_steps", [column])


def _create_pushes() -> None:
    op.create_table(
        "push_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_push_deliveries_incident_id_incidents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_push_deliveries"),
    )
    for column in ("due_at", "incident_id", "status"):
        op.create_index(f"ix_push_deliveries_{column}", "push_deliveries", [column])
    op.create_index(
        "ix_push_deliveries_once",
        "push_deliveries",
        ["incident_id", "group_name", "kind"],
        unique=True,
    )


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(EVENTS.c.incident_id, *(c for c in TRANSITIONS.c if c.name != "id"))
        .select_from(EVENTS)
        .join(TRANSITIONS, TRANSITIONS.c.event_id == EVENTS.c.id)
        .where(EVENTS.c.incident_id.is_not(None))
        .order_by(EVENTS.c.incident_id, TRANSITIONS.c.at, TRANSITIONS.c.id)
    ).mappings()
    steps: list[dict[str, Any]] = []
    for row in rows:
        last = steps[-1] if steps else None
        if last is not None and _same_step(last, row):
            last["event_ids"].append(row["event_id"])
            continue
        steps.append(_step(row))
    if steps:
        bind.execute(sa.insert(STEPS), steps)
    _backfill_escalation(bind, steps)


def _same_step(step: dict[str, Any], row: Any) -> bool:
    keys = ("incident_id", "to_status", "actor", "note", "escalated_to")
    candidate = _step(row)
    return all(step[key] == candidate[key] for key in keys) and _close(step["at"], row["at"])


def _close(first: datetime, then: datetime) -> bool:
    return abs(then - first) <= SAME_STEP


def _step(row: Any) -> dict[str, Any]:
    system = row["actor"] == SYSTEM_ACTOR and row["from_status"] == row["to_status"]
    escalated_to = _level_in(row["note"]) if system else None
    return {
        "incident_id": row["incident_id"],
        "action": "escalate" if system else _action(row["from_status"], row["to_status"]),
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "actor": row["actor"],
        "note": row["note"],
        "at": row["at"],
        "event_ids": [row["event_id"]],
        "escalated_to": escalated_to,
        "family_notified_at": row["family_notified_at"],
        "family_notify_method": row["family_notify_method"],
        "family_notified_by": row["family_notified_by"],
    }


def _action(from_status: str, to_status: str) -> str:
    if from_status in ("resolved", "false_alarm"):
        return "reopen"
    return {"acknowledged": "acknowledge", "resolved": "resolve"}.get(to_status, to_status)


def _level_in(note: str | None) -> str | None:
    found = [level for level in ESCALATION_LEVELS if note and f"to the {level}" in note]
    return found[-1] if found else None


def _backfill_escalation(bind: sa.Connection, steps: list[dict[str, Any]]) -> None:
    """Each incident's furthest escalation, at the time of its step."""
    furthest: dict[int, tuple[str, datetime]] = {}
    for step in steps:
        level = step["escalated_to"]
        if level is None:
            continue
        known = furthest.get(step["incident_id"])
        if known is None or ESCALATION_LEVELS.index(level) >= ESCALATION_LEVELS.index(known[0]):
            furthest[step["incident_id"]] = (level, step["at"])
    for incident_id, (level, at) in furthest.items():
        bind.execute(
            sa.update(INCIDENTS)
            .where(INCIDENTS.c.id == incident_id)
            .values(escalated_to=level, escalated_at=at)
        )
