"""Event list, detail and workflow transitions over HTTP against a real store (each backend)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from supervision.events.incidents import transition_event
from supervision.events.overdue import escalate_overdue
from supervision.events.reads import get_event
from supervision.events.store import EventStore
from tests.store_calls import read, write
from vision.events import SafetyEvent, Severity

FAMILY = {"notified_at": "2026-11-23T10:15:00+08:00", "method": "phone", "by": "nurse Wang"}


def test_list_is_empty_without_events(client: TestClient) -> None:
    response = client.get("/api/events")
    assert response.status_code == 200
    assert response.json() == []


def test_list_is_newest_first_and_filters(
    client: TestClient, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    first = store.record_event(make_event(camera_id="cam-1"))
    second = store.record_event(make_event(camera_id="cam-2", severity=Severity.WARNING))
    write(store, transition_event, first, "acknowledge", actor="nurse")

    assert [e["id"] for e in client.get("/api/events").json()] == [second, first]
    assert [e["id"] for e in client.get("/api/events?camera_id=cam-2").json()] == [second]
    assert [e["id"] for e in client.get("/api/events?status=acknowledged").json()] == [first]
    assert [e["id"] for e in client.get("/api/events?limit=1").json()] == [second]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=5000", "status=bogus", "limit=abc", "camera_id=a%00b"], ids=str
)
def test_list_rejects_bad_queries(client: TestClient, query: str) -> None:
    assert client.get(f"/api/events?{query}").status_code == 422


def test_detail_carries_media_urls_and_details(
    client: TestClient, record_with_media: Callable[..., int]
) -> None:
    event_id = record_with_media(track_id=7)

    body = client.get(f"/api/events/{event_id}").json()

    assert body["id"] == event_id
    assert body["type"] == "fall"
    assert body["severity"] == "critical"
    assert body["status"] == "new"
    assert body["track_id"] == 7
    assert body["snapshot_url"] == f"/media/snapshots/{body['key']}.jpg"
    assert body["clip_url"] == f"/media/clips/{body['key']}.mp4"
    assert body["thresholds"] == {"fall_drop_ratio": 0.4}
    assert body["model_versions"] == {"pose": "movenet-multipose-lightning"}
    assert body["transitions"] == []
    assert client.get(body["snapshot_url"]).headers["content-type"] == "image/jpeg"


# Ids beyond a 32-bit INTEGER (PostgreSQL's) or a 64-bit one (SQLite's) name no event either.
@pytest.mark.parametrize("event_id", ["999", "0", "-5", "99999999999", "9" * 30])
def test_detail_of_unknown_event_is_404(client: TestClient, event_id: str) -> None:
    assert client.get(f"/api/events/{event_id}").status_code == 404


@pytest.mark.parametrize(
    ("actions", "expected_codes", "final_status"),
    [
        ([], [], "new"),
        (["acknowledge", "resolve"], [200, 200], "resolved"),
        (["acknowledge", "on-scene", "resolve"], [200, 200, 200], "resolved"),
        (["on-scene", "acknowledge"], [200, 409], "on_scene"),
        (["false-alarm"], [200], "false_alarm"),
        (["acknowledge", "acknowledge"], [200, 409], "acknowledged"),
        (["resolve", "false-alarm"], [200, 409], "resolved"),
    ],
    ids=[
        "none",
        "ack-resolve",
        "on-scene",
        "ack-after-on-scene",
        "false-alarm",
        "double-ack",
        "after-close",
    ],
)
def test_transitions(
    client: TestClient,
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    actions: list[str],
    expected_codes: list[int],
    final_status: str,
) -> None:
    event_id = store.record_event(make_event())

    body = {"family": FAMILY}
    codes = [client.post(f"/api/events/{event_id}/{a}", json=body).status_code for a in actions]

    assert codes == expected_codes
    view = read(store, get_event, event_id)
    assert view is not None and view.status == final_status


def test_transition_records_the_signed_in_user_and_note(
    client_as: Callable[[str], TestClient],
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
) -> None:
    event_id = store.record_event(make_event())

    acknowledged = client_as("officer-1").post(
        f"/api/events/{event_id}/acknowledge", json={"note": "on my way"}
    )
    resolved = client_as("street-1").post(
        f"/api/events/{event_id}/resolve", json={"note": "ok", "family": FAMILY}
    )
    claimed = client_as("officer-1").post(
        f"/api/events/{event_id}/reopen", json={"actor": "someone else"}
    )

    assert acknowledged.json()["status_by"] == "officer-1"
    assert resolved.json()["status"] == "resolved"
    history = [(t["to_status"], t["actor"], t["note"]) for t in resolved.json()["transitions"]]
    assert history == [("acknowledged", "officer-1", "on my way"), ("resolved", "street-1", "ok")]
    assert claimed.status_code == 422  # the actor is whoever is signed in, not what is claimed


@pytest.mark.parametrize(
    ("family", "code", "detail"),
    [
        (None, 422, "needs the family notification"),
        ({**FAMILY, "notified_at": "2026-11-23T10:15:00"}, 422, "timezone"),
        ({**FAMILY, "method": "pigeon"}, 422, "method"),
        ({**FAMILY, "by": ""}, 422, "by"),
        (FAMILY, 200, None),
    ],
    ids=["missing", "no offset", "unknown method", "nobody", "given"],
)
def test_resolving_a_fall_asks_for_the_family_notification(
    client: TestClient,
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    family: dict[str, str] | None,
    code: int,
    detail: str | None,
) -> None:
    event_id = store.record_event(make_event())
    response = client.post(f"/api/events/{event_id}/resolve", json={"family": family})
    assert response.status_code == code, response.text
    if detail is not None:
        assert detail in response.text
        assert read(store, get_event, event_id).status == "new"  # type: ignore[union-attr]
        return
    told = response.json()["transitions"][-1]["family"]
    assert (told["notified_at"], told["method"], told["by"]) == (
        "2026-11-23T02:15:00Z",
        "phone",
        "nurse Wang",
    )


def test_transition_without_body_is_by_the_signed_in_user(
    client: TestClient, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    response = client.post(f"/api/events/{event_id}/acknowledge")
    assert response.status_code == 200
    assert response.json()["status_by"] == "officer-1"


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/events/999/acknowledge", {}, 404),
        ("/api/events/99999999999/acknowledge", {}, 404),
        ("/api/events/{id}/reboot", {}, 422),
        ("/api/events/{id}/acknowledge", {"actor": "   "}, 422),
        ("/api/events/{id}/acknowledge", {"colour": "red"}, 422),
        ("/api/events/{id}/acknowledge", {"note": "a\x00b"}, 422),
        ("/api/events/{id}/acknowledge", {"actor": "li\x00"}, 422),
    ],
    ids=[
        "unknown-event",
        "id-out-of-range",
        "unknown-action",
        "blank-actor",
        "extra-field",
        "nul-in-note",
        "nul-in-actor",
    ],
)
def test_transition_errors(
    client: TestClient,
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    path: str,
    body: dict[str, str],
    code: int,
) -> None:
    event_id = store.record_event(make_event())
    assert client.post(path.format(id=event_id), json=body).status_code == code


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "problems": []}


def test_event_shows_how_far_it_escalated(
    client: TestClient, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    assert client.get(f"/api/events/{event_id}").json()["escalated_to"] is None
    write(store, escalate_overdue, store.push_routing, 300, 900)  # by the wall clock, long overdue
    body = client.get(f"/api/events/{event_id}").json()
    assert body["escalated_to"] == "district" and body["status"] == "new"
    assert body["transitions"][-1]["actor"] == "carewatch"
