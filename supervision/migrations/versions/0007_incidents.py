"""Incidents group related events; existing events become incidents (a child joins its parent's).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of tables.UTCDateTime's storage type and of supervision.grouping's rules, so
# that this migration means the same whatever those become.
UTC_DATETIME = sa.DateTime(timezone=True)
FAMILIES = {"fall": ("fall", "long_lie"), "fire": ("smoke", "fire")}
STATUS_ORDER = ("new", "acknowledged", "on_scene", "resolved")  # else false_alarm
INCIDENT_INDEXES = ("camera_id", "facility_id", "last_event_at", "opened_at", "status")

EVENTS = sa.table(
    "events",
    *(sa.column(name) for name in ("id", "key", "parent_key", "type", "camera_id", "status")),
    *(sa.column(name) for name in ("category", "incident_id")),
    *(sa.column(name, UTC_DATETIME) for name in ("started_at", "status_at", "created_at")),
)
CAMERAS = sa.table("cameras", sa.column("id"), sa.column("facility_id"))
INCIDENTS = sa.table(
    "incidents",
    *(sa.column(name) for name in ("id", "facility_id", "camera_id", "category", "family")),
    sa.column("status"),
    *(sa.column(name, UTC_DATETIME) for name in ("opened_at", "last_event_at", "updated_at")),
)


def upgrade() -> None:
    _create_incidents()
    # SQLite cannot add a foreign key by ALTER, and rebuilding `events` would cascade-delete
    # its history; a nullable column may carry REFERENCES inline instead.
    inline = op.get_bind().dialect.name == "sqlite"
    incident_id = sa.Column(
        "incident_id",
        sa.Integer(),
        sa.ForeignKey("incidents.id", name="fk_events_incident_id_incidents"),
        nullable=True,
    )
    op.add_column("events", incident_id, inline_references=inline)
    op.create_index("ix_events_incident_id", "events", ["incident_id"])
    _backfill()


def downgrade() -> None:
    op.drop_index("ix_events_incident_id", table_name="events")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of `events` would cascade-delete.
    op.drop_column("events", "incident_id")
    for column in INCIDENT_INDEXES:
        op.drop_index(f"ix_incidents_{column}", table_name="incidents")
    op.drop_table("incidents")


def _create_incidents() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", UTC_DATETIME, nullable=False),
        sa.Column("last_event_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name="fk_incidents_camera_id_cameras"
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name="fk_incidents_facility_id_facilities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    for column in INCIDENT_INDEXES:
        op.create_index(f"ix_incidents_{column}", "incidents", [column])


def _backfill() -> None:
    """Set-based, so that it stays quick on a large events table.

    Each event without a (known) parent opens an incident numbered like itself; children
    then take their parent's incident, level by level; what is left (a cycle of parents)
    opens its own. Finally each incident's times and status follow from its events.
    """
    bind = op.get_bind()
    parent = EVENTS.alias("parent")
    known_parent = sa.exists().where(parent.c.key == EVENTS.c.parent_key)
    _open_incidents(bind, EVENTS.c.parent_key.is_(None) | ~known_parent)
    while _join_parents(bind, parent):
        pass
    _open_incidents(bind, EVENTS.c.incident_id.is_(None))
    _derive_incidents(bind)
    if bind.dialect.name == "postgresql":
        # Ids were given explicitly; the next incident must not collide with them.
        bind.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                "COALESCE((SELECT MAX(id) FROM incidents), 0) + 1, false)"
            )
        )


def _open_incidents(bind: sa.Connection, which: sa.ColumnElement[bool]) -> None:
    """One incident per event matching `which`, with the event's id; the event joins it."""
    family = sa.case(
        *((EVENTS.c.type.in_(types), name) for name, types in FAMILIES.items()),
        else_=EVENTS.c.type,
    )
    rows = (
        sa.select(
            EVENTS.c.id,
            CAMERAS.c.facility_id,
            EVENTS.c.camera_id,
            EVENTS.c.category,
            family,
            EVENTS.c.status,
            EVENTS.c.started_at,
            EVENTS.c.started_at,
            sa.func.coalesce(EVENTS.c.status_at, EVENTS.c.created_at),
        )
        .select_from(EVENTS.join(CAMERAS, CAMERAS.c.id == EVENTS.c.camera_id))
        .where(which)
    )
    columns = ["id", "facility_id", "camera_id", "category", "family", "status"]
    columns += ["opened_at", "last_event_at", "updated_at"]
    bind.execute(sa.insert(INCIDENTS).from_select(columns, rows))
    opened = sa.select(INCIDENTS.c.id)
    bind.execute(
        sa.update(EVENTS)
        .where(EVENTS.c.incident_id.is_(None), EVENTS.c.id.in_(opened))
        .values(incident_id=EVENTS.c.id)
    )


def _join_parents(bind: sa.Connection, parent: sa.FromClause) -> int:
    """Children of events that have an incident join it; returns how many did."""
    parent_incident = (
        sa.select(parent.c.incident_id)
        .where(parent.c.key == EVENTS.c.parent_key, parent.c.incident_id.is_not(None))
        .scalar_subquery()
    )
    result = bind.execute(
        sa.update(EVENTS)
        .where(EVENTS.c.incident_id.is_(None), EVENTS.c.parent_key.is_not(None))
        .where(parent_incident.is_not(None))
        .values(incident_id=parent_incident)
    )
    return result.rowcount


def _derive_incidents(bind: sa.Connection) -> None:
    member = EVENTS.c.incident_id == INCIDENTS.c.id

    def has(status: str) -> sa.Exists:
        return sa.exists().where(member, EVENTS.c.status == status)

    status = sa.case(*((has(name), name) for name in STATUS_ORDER), else_="false_alarm")
    started = EVENTS.c.started_at
    grouped = sa.select(EVENTS.c.incident_id).where(EVENTS.c.id != EVENTS.c.incident_id)
    bind.execute(
        sa.update(INCIDENTS)
        .where(INCIDENTS.c.id.in_(grouped))
        .values(
            status=status,
            opened_at=sa.select(sa.func.min(started)).where(member).scalar_subquery(),
            last_event_at=sa.select(sa.func.max(started)).where(member).scalar_subquery(),
        )
    )
