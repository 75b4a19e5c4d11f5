"""Migration 0013 dates existing cameras: their first state change, else their last update."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, select

from supervision.config import DatabaseConfig
from supervision.db import alembic_config, create_engine_for, migrate
from tests.supervision.old_tables import old_table

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
# The 0012 tables as they were, so these inserts do not depend on today's models.
FACILITIES = old_table("facilities", "id name kind timezone")
CAMERAS = old_table(
    "cameras",
    "id facility_id name source_kind state fps frames_read frames_dropped reconnects updated_at",
)
CHANGES = old_table("camera_state_changes", "camera_id from_state to_state at")
CREATED = old_table("cameras", "id created_at")

# camera: (state changes as days after T0, updated_at as days after T0, expected created_at)
ROWS: dict[str, tuple[list[float], float, float]] = {
    "reported": ([-5, -1, 2], 3, -5),  # the earliest change, whatever the insert order
    "one-change": ([0.5], 1, 0.5),
    "silent": ([], -2, -2),  # never reported: when its row was last written
}


def _fill_0012(connection: sa.Connection) -> None:
    connection.execute(
        sa.insert(FACILITIES).values(
            id="fac-1", name="Sunrise", kind="institution", timezone="Asia/Shanghai"
        )
    )
    for camera_id, (changes, updated_days, _) in ROWS.items():
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
                updated_at=T0 + timedelta(days=updated_days),
            )
        )
        for days in reversed(changes):
            connection.execute(
                sa.insert(CHANGES).values(
                    camera_id=camera_id,
                    from_state="stopped",
                    to_state="online",
                    at=T0 + timedelta(days=days),
                )
            )


@pytest.fixture
def upgraded(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(DatabaseConfig(url=database_url))
    migrate(engine, "0012")
    with engine.begin() as connection:
        _fill_0012(connection)
    migrate(engine, "0013")
    yield engine
    engine.dispose()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite reads naive


@pytest.mark.parametrize("camera_id", ROWS)
def test_upgrade_dates_each_existing_camera(upgraded: Engine, camera_id: str) -> None:
    with upgraded.connect() as connection:
        created = connection.scalar(select(CREATED.c.created_at).where(CREATED.c.id == camera_id))
    assert created is not None
    assert _utc(created) == T0 + timedelta(days=ROWS[camera_id][2])


def test_downgrade_to_0012_keeps_the_cameras(upgraded: Engine) -> None:
    with upgraded.begin() as connection:
        command.downgrade(alembic_config(connection), "0012")
        assert connection.scalar(select(sa.func.count()).select_from(CAMERAS)) == len(ROWS)
        assert connection.scalar(select(sa.func.count()).select_from(CHANGES)) == 4
    assert "created_at" not in {c["name"] for c in sa.inspect(upgraded).get_columns("cameras")}
    migrate(upgraded, "0013")
