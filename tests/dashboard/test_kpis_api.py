"""KPIs over HTTP: each user gets the rows of their own node and below, nothing of others."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from supervision.events.incidents import transition_event
from supervision.events.reads import get_event
from supervision.events.store import EventStore
from supervision.events.views import FamilyNotice
from supervision.tables import AuditEntry
from tests.conftest import T0_EPOCH_S
from tests.store_calls import read, write
from vision.events import SafetyEvent

T0 = datetime.fromtimestamp(T0_EPOCH_S, UTC)
DAY = {"start": "2025-10-09T00:00:00Z", "end": "2025-10-10T00:00:00Z"}
OTHER_NAMES = ("fac-2", "Lakeside", "s2", "Lake Street")


@pytest.fixture
def as_user(client_as: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    """Signed in as one of tests/dashboard/conftest.py's PEOPLE."""
    return client_as


@pytest.fixture
def events(store: EventStore, make_event: Callable[..., SafetyEvent]) -> None:
    """fac-1: two falls acknowledged after 30 and 90 s, one resolved; fac-2: a false alarm."""
    first = store.record_event(make_event(camera_id="cam-1"))
    second = store.record_event(make_event(camera_id="cam-2"))
    theirs = store.record_event(make_event(camera_id="cam-9", type="smoke"))
    for event_id, ack_s in ((first, 30), (second, 90), (theirs, 5)):
        view = read(store, get_event, event_id)
        assert view is not None
        acknowledged_at = view.started_at + timedelta(seconds=ack_s)
        write(store, transition_event, event_id, "acknowledge", "x", at=acknowledged_at)
    view = read(store, get_event, first)
    assert view is not None
    closed_at = view.started_at + timedelta(seconds=600)
    family = FamilyNotice(closed_at, "phone", "nurse")
    write(store, transition_event, first, "resolve", "x", family=family, at=closed_at)
    write(store, transition_event, theirs, "false_alarm", "x")


def _rows(client: TestClient, level: str, path: str = "/api/kpis") -> list[dict[str, object]]:
    response = client.get(path, params={"level": level, **DAY})
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["rows"]
    return rows


@pytest.mark.parametrize(
    ("user", "level", "node_ids"),
    [
        ("admin", "facility", ["fac-1", "fac-2"]),
        ("admin", "street", ["s1", "s2"]),
        ("admin", "district", ["d1"]),
        ("operator", "facility", ["fac-1", "fac-2"]),
        ("district", "street", ["s1", "s2"]),
        ("district", "district", ["d1"]),
        ("street-1", "facility", ["fac-1"]),
        ("street-1", "street", ["s1"]),
        ("street-1", "district", []),
        ("officer-1", "facility", ["fac-1"]),
        ("officer-1", "street", []),
        ("officer-1", "district", []),
        ("officer-2", "facility", ["fac-2"]),
        ("street-2", "street", ["s2"]),
    ],
)
def test_rows_are_the_users_nodes(
    as_user: Callable[[str], TestClient], events: None, user: str, level: str, node_ids: list[str]
) -> None:
    assert [row["node_id"] for row in _rows(as_user(user), level)] == node_ids


def test_numbers_of_a_facility(as_user: Callable[[str], TestClient], events: None) -> None:
    (row,) = _rows(as_user("officer-1"), "facility")
    assert (row["events"], row["acknowledged"], row["closed"]) == (2, 2, 1)
    assert (row["ack_p50_s"], row["close_p50_s"]) == (60.0, 600.0)
    assert (row["closure_rate"], row["false_alarm_rate"]) == (0.5, 0.0)
    assert row["false_alarm_rate_by_type"] == {"fall": 0.0}
    assert (row["hazards_open"], row["inspections_done"]) == (0, 0)
    (theirs,) = _rows(as_user("officer-2"), "facility")
    assert theirs["false_alarm_rate_by_type"] == {"smoke": 1.0}


@pytest.mark.parametrize("path", ["/api/kpis", "/api/kpis.csv"])
@pytest.mark.parametrize("user", ["officer-1", "street-1"])
def test_nothing_of_the_other_street_leaks(
    as_user: Callable[[str], TestClient], events: None, path: str, user: str
) -> None:
    for level in ("facility", "street", "district"):
        response = as_user(user).get(path, params={"level": level, **DAY})
        assert response.status_code == 200
        for name in OTHER_NAMES:
            assert name not in response.text


def test_csv_export_is_a_file_with_units_and_is_audited(
    as_user: Callable[[str], TestClient], events: None, store: EventStore
) -> None:
    response = as_user("street-1").get("/api/kpis.csv", params={"level": "facility", **DAY})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        'filename="kpis-facility-20251009-20251010.csv"' in response.headers["content-disposition"]
    )
    (row,) = csv.DictReader(io.StringIO(response.text))
    assert (row["node_id"], row["events_count"], row["time_to_ack_p50_s"]) == ("fac-1", "2", "60.0")
    with store.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "kpis_exported")
        ).one()
    assert (entry.actor, entry.object_id) == ("street-1", "facility")
    assert entry.detail["start"].startswith("2025-10-09T00:00:00")


def test_default_period_is_the_last_30_days(as_user: Callable[[str], TestClient]) -> None:
    body = as_user("admin").get("/api/kpis").json()
    start, end = (datetime.fromisoformat(body[key]) for key in ("start", "end"))
    assert body["level"] == "facility" and end - start == timedelta(days=30)


@pytest.mark.parametrize(
    "params",
    [
        {"level": "country"},
        {"start": "2025-10-10T00:00:00Z", "end": "2025-10-09T00:00:00Z"},
        {"start": "2025-10-09T00:00:00Z", "end": "2025-10-09T00:00:00Z"},
        {"start": "2025-10-09T00:00:00"},  # no offset: which day is meant is unclear
        {"start": "2020-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"},  # too long
        {"end": "tomorrow"},
        {"end": "0001-01-02T00:00:00Z"},  # the default start would be before year 1
        {"start": "9999-12-31T23:00:00-14:00"},
    ],
    ids=["level", "reversed", "empty", "naive", "too-long", "not-a-time", "year-0", "year-10000"],
)
@pytest.mark.parametrize("path", ["/api/kpis", "/api/kpis.csv"])
def test_bad_queries_are_422(
    as_user: Callable[[str], TestClient], params: dict[str, str], path: str
) -> None:
    assert as_user("admin").get(path, params=params).status_code == 422


@pytest.mark.parametrize("path", ["/api/kpis", "/api/kpis.csv"])
def test_signed_out_is_401(app: FastAPI, path: str) -> None:
    assert TestClient(app).get(path).status_code == 401
