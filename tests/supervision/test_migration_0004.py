"""Migration 0004 on a database that already holds facilities, cameras and events keeps them."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from supervision.audit.chain import append_audit, verify_audit
from supervision.config import DatabaseConfig
from supervision.db import alembic_config, create_engine_for, migrate
from supervision.org import tree as org
from supervision.org.tree import NodeKind, NodeRef
from supervision.tables import Event, EventTransition, Facility
from tests.supervision.old_tables import old_table

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# The 0003 tables as they were, so these inserts do not depend on today's models.
FACILITIES = old_table("facilities", "id name kind timezone")
CAMERAS = old_table(
    "cameras",
    "id facility_id name source_kind state fps frames_read frames_dropped reconnects updated_at",
)
EVENTS = old_table(
    "events",
    "id key type severity camera_id start_s started_at confidence thresholds model_versions "
    "status revision created_at level category",
)
TRANSITIONS = old_table("event_transitions", "event_id from_status to_status actor at")


def _fill_0003(connection: sa.Connection) -> None:
    connection.execute(
        sa.insert(FACILITIES).values(
            id="fac-1", name="Sunrise", kind="institution", timezone="Asia/Shanghai"
        )
    )
    connection.execute(
        sa.insert(CAMERAS).values(
            id="cam-1",
            facility_id="fac-1",
            name="Hall",
            source_kind="file",
            state="online",
            fps=8.0,
            frames_read=10,
            frames_dropped=0,
            reconnects=0,
            updated_at=T0,
        )
    )
    for index in range(3):
        connection.execute(
            sa.insert(EVENTS).values(
                id=index + 1,
                key=f"k{index}",
                type="fall",
                severity="critical",
                camera_id="cam-1",
                start_s=float(index),
                started_at=T0,
                confidence=0.9,
                thresholds="{}",
                model_versions="{}",
                status="acknowledged",
                revision=index + 1,
                created_at=T0,
                level=1,
                category="falls",
            )
        )
    connection.execute(
        sa.insert(TRANSITIONS).values(
            event_id=1, from_status="new", to_status="acknowledged", actor="amy", at=T0
        )
    )


def test_upgrade_from_0003_keeps_events(database_url: str) -> None:
    engine: Engine = create_engine_for(DatabaseConfig(url=database_url))
    migrate(engine, "0003")
    with engine.begin() as connection:
        _fill_0003(connection)
    migrate(engine)
    with Session(engine) as session, session.begin():
        assert session.scalar(select(func.count()).select_from(Event)) == 3
        assert session.scalar(select(func.count()).select_from(EventTransition)) == 1
        facility = session.get_one(Facility, "fac-1")
        assert (facility.street_id, facility.beds, facility.address) == (None, 0, None)
        (camera,) = org.list_cameras(session, "fac-1")
        assert camera.gb28181_id is None
        # The old facility joins the tree, and events stay with its camera.
        org.create_district(session, "d1", "District")
        org.create_street(session, "s1", "d1", "Street")
        org.move_facility(session, "fac-1", "s1")
        org.set_gb28181_id(session, "cam-1", "34020000001320000001")
        contents = org.contents_under(session, NodeRef(NodeKind.DISTRICT, "d1"))
        assert contents.camera_ids == {"cam-1"}
        append_audit(session, "admin", "facility.move", "facility", "fac-1", {"to": "s1"})
    with Session(engine) as session:
        started = [e.started_at for e in session.scalars(select(Event))]
    assert started == [T0] * 3
    assert verify_audit(engine).rows_checked == 1
    engine.dispose()


def test_downgrade_to_0003_keeps_events(database_url: str) -> None:
    engine: Engine = create_engine_for(DatabaseConfig(url=database_url))
    migrate(engine, "0003")
    with engine.begin() as connection:
        _fill_0003(connection)
    migrate(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
        assert connection.scalar(select(func.count()).select_from(EVENTS)) == 3
        assert connection.scalar(select(func.count()).select_from(TRANSITIONS)) == 1
    assert "users" not in sa.inspect(engine).get_table_names()
    assert "street_id" not in {c["name"] for c in sa.inspect(engine).get_columns("facilities")}
    migrate(engine)
    engine.dispose()
