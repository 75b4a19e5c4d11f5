"""`carewatch kpis`: the report as JSON or CSV on stdout; exit 2 without a database or period."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carewatch.admin import kpis as kpi_command
from streams.health import CameraHealth, CameraState
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, migrate, session_factory
from supervision.events.incidents import transition_event
from supervision.events.reads import get_event
from supervision.events.store import EventStore
from supervision.org import tree as org
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent, Severity

# 2026-11-23 08:00 in Shanghai.
EIGHT_AM_EPOCH_S = 1_795_392_000.0


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="carewatch")
    kpi_command.add_parser(parser.add_subparsers(dest="command", required=True))
    return kpi_command.run(parser.parse_args(["kpis", *argv]))


def _database(url: str, revision: str = "head") -> str:
    """A home in one street with a camera online from 08:00 and one fall acknowledged in 40 s."""
    engine = create_engine_for(DatabaseConfig(url=url))
    migrate(engine, revision)
    if revision == "head":
        store = EventStore(session_factory(engine))
        with store.sessions.begin() as session:
            org.create_district(session, "d1", "District")
            org.create_street(session, "s1", "d1", "Street")
            org.create_facility(session, "f1", "Home", "s1")
            added = datetime(2026, 11, 1, tzinfo=UTC)  # before the periods asked about
            org.create_camera(session, "c1", "f1", "Hall", "file", created_at=added)
        event = SafetyEvent(EventType.FALL, Severity.CRITICAL, "c1", 0, None, EIGHT_AM_EPOCH_S, 0.9)
        event_id = store.record_event(event)
        view = read(store, get_event, event_id)
        assert view is not None
        store.update_camera_health(
            CameraHealth("c1", CameraState.ONLINE, None, 0, 0, 0, 0), at=view.started_at
        )
        write(
            store,
            transition_event,
            event_id,
            "acknowledge",
            "amy",
            at=view.started_at.replace(second=40),
        )
    engine.dispose()
    return url


def test_json_report_of_a_local_day(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = _database(database_url)
    assert _run("--db", url, "--from", "2026-11-23", "--to", "2026-11-24") == 0
    report = json.loads(capsys.readouterr().out)
    # A date without an offset is local midnight in --tz (Asia/Shanghai by default).
    assert report["start"] == "2026-11-23T00:00:00+08:00"
    (row,) = report["rows"]
    assert (row["node_id"], row["events"], row["ack_p50_s"]) == ("f1", 1, 40.0)
    assert row["camera_online_rate"] == pytest.approx(16 / 24)  # online from 08:00


def test_csv_by_street_from_the_settings_file(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(database_url)
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        f"facilities: [{{id: f1, name: Home}}]\ncameras: []\ndatabase: {{url: '{url}'}}\n",
        encoding="utf-8",
    )
    argv = ["--config", str(settings), "--level", "street", "--csv"]
    assert _run(*argv, "--from", "2026-11-23T00:00Z", "--to", "2026-11-24T00:00Z") == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert (row["node_id"], row["events_count"], row["period_start_utc"]) == (
        "s1",
        "1",
        "2026-11-23T00:00:00+00:00",
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp, _: ["--db", f"sqlite:///{tmp / 'missing.db'}"], "no SQLite database at"),
        (lambda tmp, _: ["--db", "not a url"], "not a database URL"),
        (lambda tmp, _: ["--config", str(tmp / "missing.yaml")], "cannot read"),
        (lambda _, url: ["--db", _database(url, "0006")], "not migrated"),
    ],
)
def test_unusable_database_exits_2(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path, str], list[str]],
    message: str,
) -> None:
    assert _run(*make(tmp_path, database_url), "--from", "2026-11-23", "--to", "2026-11-24") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (["--from", "yesterday", "--to", "2026-11-24"], "not an ISO 8601"),
        (["--from", "2026-11-24", "--to", "2026-11-23"], "is not before"),
        (["--from", "2026-11-23", "--to", "2026-11-24", "--tz", "Mars/Base"], "--tz"),
    ],
)
def test_bad_period_exits_2(
    database_url: str, capsys: pytest.CaptureFixture[str], period: list[str], message: str
) -> None:
    assert _run("--db", _database(database_url), *period) == 2
    assert message in capsys.readouterr().err
