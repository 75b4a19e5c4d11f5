"""Migration 0014 gives existing incidents their history: one step per action (an incident step
used to write one row per event), escalations with their level; and it downgrades cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from supervision.config import DatabaseConfig
from supervision.db import alembic_config, create_engine_for, migrate
from tests.supervision.old_tables import old_table

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
FACILITIES = old_table("facilities", "id name kind timezone")
CAMERAS = old_table(
    "cameras",
    "id facility_id name source_kind state fps frames_read frames_dropped reconnects updated_at",
)
INCIDENTS = old_table(
    "incidents",
    "id facility_id camera_id category family status opened_at last_event_at updated_at",
)
EVENTS = old_table(
    "events",
    "id key type severity camera_id start_s started_at confidence level category status "
    "revision created_at incident_id escalated_to thresholds model_versions",
)
TRANSITIONS = old_table("event_transitions", "event_id from_status to_status actor note at")
STEPS = sa.table(
    "incident_steps",
    *(sa.column(name) for name in ["id", "action", "actor", "to_status", "escalated_to"]),
    sa.column("event_ids", sa.JSON()),
)
# (event, from, to, actor, note, seconds after T0): two events stepped together, then apart.
HISTORY = [
    (1, "new", "new", "carewatch", "escalated to the street: not acknowledged within 300 s", 300),
    (2, "new", "new", "carewatch", "escalated to the street: not acknowledged within 300 s", 300),
    (1, "new", "acknowledged", "amy", "on my way", 400),
    (2, "new", "acknowledged", "amy", "on my way", 400.4),
    (1, "acknowledged", "resolved", "amy", "helped up", 900),
    (2, "acknowledged", "resolved", "bob", "helped up", 900.2),
]


def _fill_0013(connection: sa.Connection) -> None:
    connection.execute(
        sa.insert(FACILITIES).values(id="f", name="F", kind="institution", timezone="UTC")
    )
    connection.execute(
        sa.insert(CAMERAS).values(
            id="c", facility_id="f", name="C", source_kind="file", state="online", fps=8.0,
            frames_read=0, frames_dropped=0, reconnects=0, updated_at=T0,
        )
    )  # fmt: skip
    connection.execute(
        sa.insert(INCIDENTS).values(
            id=1, facility_id="f", camera_id="c", category="falls", family="fall",
            status="resolved", opened_at=T0, last_event_at=T0, updated_at=T0,
        )
    )  # fmt: skip
    for event_id, kind in ((1, "fall"), (2, "long_lie")):
        connection.execute(
            sa.insert(EVENTS).values(
                id=event_id, key=f"k{event_id}", type=kind, severity="critical", camera_id="c",
                start_s=0.0, started_at=T0, confidence=0.9, level=1, category="falls",
                status="resolved", revision=event_id, created_at=T0, incident_id=1,
                escalated_to="street", thresholds="{}", model_versions="{}",
            )
        )  # fmt: skip
    for event_id, before, after, actor, note, at_s in HISTORY:
        connection.execute(
            sa.insert(TRANSITIONS).values(
                event_id=event_id, from_status=before, to_status=after, actor=actor, note=note,
                at=T0 + timedelta(seconds=at_s),
            )
        )  # fmt: skip


@pytest.fixture
def upgraded(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(DatabaseConfig(url=database_url))
    migrate(engine, "0013")
    with engine.begin() as connection:
        _fill_0013(connection)
    migrate(engine, "0014")
    yield engine
    engine.dispose()


def test_existing_incidents_get_one_step_per_action(upgraded: Engine) -> None:
    with upgraded.connect() as connection:
        steps = connection.execute(sa.select(STEPS).order_by(STEPS.c.id)).all()
        escalated = connection.execute(sa.text("SELECT escalated_to FROM incidents")).scalar()
    assert [(s.action, s.actor, s.to_status, list(s.event_ids)) for s in steps] == [
        ("escalate", "carewatch", "new", [1, 2]),
        ("acknowledge", "amy", "acknowledged", [1, 2]),
        ("resolve", "amy", "resolved", [1]),  # another person closed the other: another step
        ("resolve", "bob", "resolved", [2]),
    ]
    assert steps[0].escalated_to == "street" and escalated == "street"


def test_it_downgrades_with_data_in_place(upgraded: Engine) -> None:
    with upgraded.begin() as connection:
        command.downgrade(alembic_config(connection), "0013")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("incidents")}
        events = connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar()
    assert "escalated_to" not in columns and events == 2
