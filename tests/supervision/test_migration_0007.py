"""Migration 0007 turns existing events into incidents: one each, a child with its parent's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, func, select

from supervision.config import DatabaseConfig
from supervision.db import alembic_config, create_engine_for, migrate, session_factory
from supervision.events.incidents import get_incident
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import EventStatus
from tests.conftest import T0_EPOCH_S
from tests.store_calls import read
from tests.supervision.old_tables import old_table
from vision.events import EventType, SafetyEvent, Severity

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# The 0006 tables as they were, so these inserts do not depend on today's models.
FACILITIES = old_table("facilities", "id name kind timezone")
CAMERAS = old_table(
    "cameras",
    "id facility_id name source_kind state fps frames_read frames_dropped reconnects updated_at",
)
EVENTS = old_table(
    "events",
    "id key parent_key type severity camera_id start_s started_at confidence thresholds "
    "model_versions status revision created_at level category",
)
TRANSITIONS = old_table("event_transitions", "event_id from_status to_status actor at")
INCIDENTS = old_table("incidents", "id camera_id family status opened_at last_event_at")
EVENT_INCIDENTS = old_table("events", "id incident_id")

# id: (key, parent key, type, camera, status, seconds after T0)
EVENT_ROWS = {
    1: ("f1", None, "fall", "cam-1", "acknowledged", 0),
    2: ("l1", "f1", "long_lie", "cam-1", "new", 120),
    3: ("l2", "l1", "long_lie", "cam-1", "new", 240),  # a grandchild
    4: ("s1", None, "smoke", "cam-1", "resolved", 10),  # smoke is not grouped by time here
    5: ("s2", "gone", "smoke", "cam-1", "new", 20),  # its parent is not stored
    6: ("c1", "c2", "fire", "cam-2", "new", 30),  # a cycle of parents
    7: ("c2", "c1", "fire", "cam-2", "new", 40),
    8: ("f2", None, "fall", "cam-2", "resolved", 50),
    9: ("l3", "f2", "long_lie", "cam-2", "false_alarm", 60),
}
# incident id (that of its first event): (event ids, family, status, first and last second)
EXPECTED = {
    1: ((1, 2, 3), "fall", "new", 0, 240),
    4: ((4,), "fire", "resolved", 10, 10),
    5: ((5,), "fire", "new", 20, 20),
    6: ((6,), "fire", "new", 30, 30),
    7: ((7,), "fire", "new", 40, 40),
    8: ((8, 9), "fall", "resolved", 50, 60),
}


def _fill_0006(connection: sa.Connection) -> None:
    connection.execute(
        sa.insert(FACILITIES).values(
            id="fac-1", name="Sunrise", kind="institution", timezone="Asia/Shanghai"
        )
    )
    for camera_id in ("cam-1", "cam-2"):
        connection.execute(
            sa.insert(CAMERAS).values(
                id=camera_id,
                facility_id="fac-1",
                name=camera_id,
                source_kind="file",
                state="online",
                fps=8.0,
                frames_read=10,
                frames_dropped=0,
                reconnects=0,
                updated_at=T0,
            )
        )
    for event_id, (key, parent, type_, camera, status, at_s) in EVENT_ROWS.items():
        connection.execute(
            sa.insert(EVENTS).values(
                id=event_id,
                key=key,
                parent_key=parent,
                type=type_,
                severity="critical",
                camera_id=camera,
                start_s=float(at_s),
                started_at=T0 + timedelta(seconds=at_s),
                confidence=0.9,
                thresholds="{}",
                model_versions="{}",
                status=status,
                revision=event_id,
                created_at=T0,
                level=1,
                category="falls" if type_ in ("fall", "long_lie") else "fire_safety",
            )
        )
    connection.execute(
        sa.insert(TRANSITIONS).values(
            event_id=1, from_status="new", to_status="acknowledged", actor="amy", at=T0
        )
    )
    if connection.dialect.name == "postgresql":
        # The ids above were given explicitly; the pipeline's next event must not reuse one.
        connection.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('events', 'id'), 100, false)")
        )


def _migrated_from_0006(database_url: str) -> Engine:
    engine = create_engine_for(DatabaseConfig(url=database_url))
    migrate(engine, "0006")
    with engine.begin() as connection:
        _fill_0006(connection)
    migrate(engine)
    return engine


def test_upgrade_groups_existing_events(database_url: str) -> None:
    engine = _migrated_from_0006(database_url)
    with engine.connect() as connection:
        incidents = {row.id: row for row in connection.execute(select(INCIDENTS))}
        members = {row.id: row.incident_id for row in connection.execute(select(EVENT_INCIDENTS))}
    assert set(incidents) == set(EXPECTED)
    for incident_id, (event_ids, family, status, first_s, last_s) in EXPECTED.items():
        row = incidents[incident_id]
        assert sorted(e for e, i in members.items() if i == incident_id) == list(event_ids)
        assert (row.family, row.status) == (family, status)
        assert row.opened_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=first_s)
        assert row.last_event_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=last_s)
    store = EventStore(session_factory(engine))
    view = read(store, get_incident, 1)
    assert view is not None and view.event_types == ("fall", "long_lie", "long_lie")
    assert (view.status, view.facility_id) == (EventStatus.NEW, "fac-1")
    engine.dispose()


def test_new_incidents_after_the_upgrade_get_fresh_ids(database_url: str) -> None:
    engine = _migrated_from_0006(database_url)
    store = EventStore(session_factory(engine))
    event = SafetyEvent(
        type=EventType.INTRUSION,
        severity=Severity.WARNING,
        camera_id="cam-1",
        start_s=0.0,
        end_s=None,
        started_at=T0_EPOCH_S,
        confidence=0.8,
    )
    event_id = store.record_event(event)
    (incident,) = [i for i in read(store, list_incidents) if event_id in i.event_ids]
    assert incident.id > max(EXPECTED)
    # Late smoke on cam-1 joins the open smoke incident the migration made.
    smoke = SafetyEvent(
        type=EventType.SMOKE,
        severity=Severity.WARNING,
        camera_id="cam-1",
        start_s=0.0,
        end_s=None,
        started_at=(T0 + timedelta(seconds=300)).timestamp(),
        confidence=0.8,
    )
    smoke_id = store.record_event(smoke)
    assert read(store, get_incident, 5).event_ids == (5, smoke_id)  # type: ignore[union-attr]
    engine.dispose()


def test_downgrade_to_0006_keeps_events(database_url: str) -> None:
    engine = _migrated_from_0006(database_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
        assert connection.scalar(select(func.count()).select_from(EVENTS)) == len(EVENT_ROWS)
        assert connection.scalar(select(func.count()).select_from(TRANSITIONS)) == 1
    assert "incidents" not in sa.inspect(engine).get_table_names()
    assert "incident_id" not in {c["name"] for c in sa.inspect(engine).get_columns("events")}
    migrate(engine)
    engine.dispose()
