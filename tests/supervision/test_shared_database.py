"""Several processes on one PostgreSQL database: revisions, migrations and jobs stay correct."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, session_factory
from supervision.events.changes import changes_since, load_cursor, save_cursor
from supervision.events.store import EventStore
from supervision.lease import JobLeases
from supervision.tables import Event, EventChange
from tests.conftest import EXTERNAL_URL, REPO

POSTGRESQL_ONLY = pytest.mark.skipif(
    EXTERNAL_URL is None, reason="several processes share a PostgreSQL database"
)
EVENTS_PER_PROCESS = 150
# One writer process: record its camera's events (each then given a snapshot: a second
# revision), as a site's service would; exit 1 on any error.
WRITER = """
import sys, time
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, session_factory
from supervision.events.store import EventStore
from vision.events import EventType, SafetyEvent, Severity
url, camera, count, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
store = EventStore(session_factory(create_engine_for(DatabaseConfig(url=url))))
time.sleep(max(0.0, start_at - time.time()))
for n in range(count):
    event = SafetyEvent(
        type=EventType.FALL, severity=Severity.CRITICAL, camera_id=camera, start_s=10.0 * n,
        end_s=None, started_at=1_760_000_000.0 + 10.0 * n, confidence=0.9, track_id=n,
    )
    store.record_event(event)
    store.attach_media(event.key, snapshot_path=f"{camera}/{n}.jpg")
"""
# One service coming up (no dashboard): migrations, the tree and camera seeds, every job.
SERVICE = """
import sys, time
from pathlib import Path
from carewatch.demo import demo_settings
from carewatch.run.service import Service
url, data_dir, start_at = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
settings = demo_settings(data_dir, 8080)  # the dashboard is not started
database = settings.database.model_copy(update={"url": url})
settings = settings.model_copy(update={"database": database})
time.sleep(max(0.0, start_at - time.time()))
service = Service(settings)
service.start()
print("up", flush=True)
service.stop()
"""
HOLDER = """
import sys, time
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for
from supervision.lease import JobLeases
leases = JobLeases(create_engine_for(DatabaseConfig(url=sys.argv[1])))
print("held" if leases.held("escalation") else "refused", flush=True)
time.sleep(60)
"""


def _python(script: str, *args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", script, *map(str, args)]
    return subprocess.Popen(command, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE)


def _finished(processes: list[subprocess.Popen[str]], timeout_s: float = 120.0) -> list[int]:
    return [process.wait(timeout=timeout_s) for process in processes]


@POSTGRESQL_ONLY
def test_two_writers_share_revisions_and_a_follower_misses_nothing(
    store: EventStore, engine: Engine
) -> None:
    """Two processes write events at once: no revision is taken twice (nothing rejected), and
    a reader following the change journal after its cursor, as the publisher and live feed
    do, sees every change: revisions become visible in the order they were given out."""
    seen: set[int] = set()
    done = threading.Event()

    def follow() -> None:
        cursor = 0
        while not done.is_set() or changes_since(store.sessions, cursor, 500):
            for change in changes_since(store.sessions, cursor, 500):
                seen.add(change.revision)
                cursor = max(cursor, change.revision)
            time.sleep(0.005)

    follower = threading.Thread(target=follow)
    follower.start()
    start_at = time.time() + 3.0  # both start writing together, after their imports
    writers = [
        _python(WRITER, EXTERNAL_URL, camera, EVENTS_PER_PROCESS, start_at)
        for camera in ("cam-1", "cam-2")
    ]
    codes = _finished(writers)
    done.set()
    follower.join()
    assert codes == [0, 0]
    with store.sessions() as session:
        assert session.scalar(select(func.count(Event.id))) == 2 * EVENTS_PER_PROCESS
        journal = set(session.scalars(select(EventChange.revision)))
    assert len(journal) == 2 * EVENTS_PER_PROCESS  # one NEW change per event
    assert journal <= seen


@POSTGRESQL_ONLY
def test_services_starting_at_once_on_an_empty_database_all_come_up(
    database_url: str, tmp_path: Path
) -> None:
    """Three services on an empty database: one migrates, the others find it done, and the
    tree and camera seeds are written once."""
    start_at = time.time() + 8.0  # after every process has imported its models
    services = [_python(SERVICE, database_url, tmp_path / f"node-{n}", start_at) for n in range(3)]
    codes = _finished(services)
    outputs = [service.stdout.read() if service.stdout else "" for service in services]
    assert codes == [0, 0, 0] and all("up" in output for output in outputs)
    engine = create_engine_for(DatabaseConfig(url=database_url))
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        seeds = connection.execute(text("SELECT camera_id, version FROM camera_config_versions"))
        assert (len(versions), seeds.all()) == (1, [("demo-room", 1)])
    engine.dispose()


@POSTGRESQL_ONLY
def test_a_job_runs_in_one_process_and_moves_when_it_dies(engine: Engine) -> None:
    holder = _python(HOLDER, EXTERNAL_URL)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    leases = JobLeases(engine)
    lease = leases.for_job("escalation")
    try:
        assert not lease()
        assert leases.held("retention")  # another job: its own lease
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 10.0
        while not lease() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lease() and lease()  # taken over, then kept
    finally:
        leases.release()
        if holder.poll() is None:
            holder.kill()


def test_a_lease_is_always_held_on_sqlite(tmp_path: Path) -> None:
    engine = create_engine_for(DatabaseConfig(url=f"sqlite:///{tmp_path / 'one.db'}"))
    assert JobLeases(engine).held("publish") and JobLeases(engine).held("publish")
    engine.dispose()


def test_a_publish_cursor_never_moves_back(engine: Engine) -> None:
    sessions = session_factory(engine)
    save_cursor(sessions, "webhook-a", 10)
    save_cursor(sessions, "webhook-a", 4)  # a slower process saving what it sent earlier
    assert load_cursor(sessions, "webhook-a") == 10
    save_cursor(sessions, "webhook-a", 12)
    assert load_cursor(sessions, "webhook-a") == 12
