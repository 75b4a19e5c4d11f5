"""Legal holds over HTTP: who may place and release, scope without leaks, kept by retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from supervision.config import RetentionConfig
from supervision.events.store import EventStore
from supervision.retention.cleanup import DiskSpace, run_retention
from supervision.tables import AuditEntry

REASON = {"reason": "family complaint, keep the footage"}
MISSING_ID = 999_999


@pytest.fixture
def as_user(client_as: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    """Signed in as one of tests/dashboard/conftest.py's PEOPLE."""
    return client_as


@pytest.fixture
def event_id(record_with_media: Callable[..., int]) -> int:
    """An event of cam-1 (fac-1, street s1) with a clip and snapshot."""
    return record_with_media(camera_id="cam-1")


def test_officer_places_inspector_releases(
    as_user: Callable[[str], TestClient], event_id: int, store: EventStore
) -> None:
    officer, inspector = as_user("officer-1"), as_user("street-1")

    placed = officer.post(f"/api/events/{event_id}/hold", json=REASON)
    assert placed.status_code == 201
    body = placed.json()
    assert (body["event_id"], body["active"], body["placed_by"]) == (event_id, True, "officer-1")
    assert body["reason"] == REASON["reason"] and body["released_at"] is None

    refused = officer.post(f"/api/events/{event_id}/release", json={"reason": "done"})
    assert refused.status_code == 403
    assert "may not release" in refused.json()["detail"]

    released = inspector.post(f"/api/events/{event_id}/release", json={"reason": "settled"})
    assert released.status_code == 200
    assert released.json()["active"] is False
    assert released.json()["released_by"] == "street-1"

    history = as_user("district").get(f"/api/events/{event_id}/holds").json()
    assert [(h["placed_by"], h["released_by"], h["release_reason"]) for h in history] == [
        ("officer-1", "street-1", "settled")
    ]
    with store.sessions() as session:
        actions = session.execute(
            select(AuditEntry.actor, AuditEntry.action).where(AuditEntry.object_type == "event")
        ).all()
    assert [tuple(row) for row in actions] == [
        ("officer-1", "legal_hold_placed"),
        ("street-1", "legal_hold_released"),
    ]


def test_conflicts_are_409(as_user: Callable[[str], TestClient], event_id: int) -> None:
    admin = as_user("admin")
    assert admin.post(f"/api/events/{event_id}/release", json=REASON).status_code == 409
    assert admin.post(f"/api/events/{event_id}/hold", json=REASON).status_code == 201
    again = admin.post(f"/api/events/{event_id}/hold", json=REASON)
    assert again.status_code == 409 and "already on hold" in again.json()["detail"]


@pytest.mark.parametrize("outsider", ["officer-2", "street-2"])
@pytest.mark.parametrize(
    ("method", "suffix"), [("POST", "hold"), ("POST", "release"), ("GET", "holds")]
)
def test_outsiders_get_the_answer_of_a_missing_event(
    as_user: Callable[[str], TestClient], event_id: int, outsider: str, method: str, suffix: str
) -> None:
    as_user("admin").post(f"/api/events/{event_id}/hold", json=REASON)
    client = as_user(outsider)
    body = REASON if method == "POST" else None

    theirs = client.request(method, f"/api/events/{event_id}/{suffix}", json=body)
    missing = client.request(method, f"/api/events/{MISSING_ID}/{suffix}", json=body)

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"] == f"event {event_id} not found"
    assert missing.json()["detail"] == f"event {MISSING_ID} not found"
    assert REASON["reason"] not in theirs.text


@pytest.mark.parametrize("suffix", ["hold", "release", "holds"])
def test_operators_have_no_resident_data(
    as_user: Callable[[str], TestClient], event_id: int, suffix: str
) -> None:
    client = as_user("operator")
    if suffix == "holds":
        response = client.get(f"/api/events/{event_id}/holds")
    else:
        response = client.post(f"/api/events/{event_id}/{suffix}", json=REASON)
    assert response.status_code == 403


def test_signed_out_is_401(app: FastAPI, event_id: int) -> None:
    response = TestClient(app).post(f"/api/events/{event_id}/hold", json=REASON)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [None, {}, {"reason": ""}, {"reason": "   "}, {"reason": "a\u0000b"}, {"reason": "x" * 2001}],
    ids=["none", "empty", "blank", "spaces", "nul", "long"],
)
def test_a_hold_needs_a_reason(
    as_user: Callable[[str], TestClient], event_id: int, body: object
) -> None:
    response = as_user("officer-1").post(f"/api/events/{event_id}/hold", json=body)
    assert response.status_code == 422


@pytest.mark.parametrize("event_ref", ["0", "-1", str(2**40), "abc"])
def test_odd_ids(as_user: Callable[[str], TestClient], event_ref: str) -> None:
    response = as_user("admin").post(f"/api/events/{event_ref}/hold", json=REASON)
    assert response.status_code == (422 if event_ref == "abc" else 404)


def test_held_clip_survives_retention_and_is_still_served(
    as_user: Callable[[str], TestClient],
    event_id: int,
    store: EventStore,
    media_root: Path,
) -> None:
    officer = as_user("officer-1")
    assert officer.post(f"/api/events/{event_id}/hold", json=REASON).status_code == 201
    long_after = datetime.now(UTC) + timedelta(days=10_000)
    report = run_retention(
        store,
        RetentionConfig(),
        media_root,
        now=long_after,
        free_space=lambda path: DiskSpace(free_bytes=0, total_bytes=10**9),
    )
    assert report.deleted == () and report.kept_held == 2 and report.pressure_left
    event = officer.get(f"/api/events/{event_id}").json()
    assert officer.get(event["clip_url"]).status_code == 200
