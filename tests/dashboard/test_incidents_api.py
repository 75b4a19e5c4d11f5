"""Incidents over HTTP with signed-in users: lists, detail and steps stay within each scope."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.events.incidents import get_incident
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.org import tree as org
from supervision.org.passwords import ScryptParams
from supervision.org.tokens import issue_token
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import create_user
from supervision.tables import AuditEntry
from tests.store_calls import read
from vision.events import EventType, SafetyEvent

FAMILY = {"notified_at": "2026-11-23T10:15:00+08:00", "method": "phone", "by": "nurse Wang"}
FAST = ScryptParams(log2_n=9)
# Tree: d1 ─ s1 ─ fac-a (cam-a); d1 ─ s2 ─ fac-b (cam-b).
USERS = {
    "officer-a": ("facility_officer", NodeRef(NodeKind.FACILITY, "fac-a")),
    "officer-b": ("facility_officer", NodeRef(NodeKind.FACILITY, "fac-b")),
    "inspector-s1": ("street_inspector", NodeRef(NodeKind.STREET, "s1")),
    "inspector-d1": ("district_inspector", NodeRef(NodeKind.DISTRICT, "d1")),
    "operator": ("operator", None),
}


@dataclass(frozen=True)
class Incidents:
    """A fall with its long lie on cam-a, smoke on cam-b; their incident ids."""

    a: int
    b: int


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Signed in as nobody: each request names its user's token."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def tokens(store: EventStore) -> dict[str, str]:
    with store.sessions.begin() as session:
        org.create_district(session, "d1", "District")
        for street_id, facility_id, camera_id in (
            ("s1", "fac-a", "cam-a"),
            ("s2", "fac-b", "cam-b"),
        ):
            org.create_street(session, street_id, "d1", street_id)
            org.create_facility(session, facility_id, facility_id, street_id)
            org.create_camera(session, camera_id, facility_id, camera_id, "file")
        return {name: _token(session, name, *spec) for name, spec in USERS.items()}


def _token(session: Session, name: str, role: str, node: NodeRef | None) -> str:
    user = create_user(session, name, "password-123", role, node, params=FAST)
    return issue_token(session, user.id, ttl_s=3600).token


@pytest.fixture
def incidents(
    store: EventStore, tokens: dict[str, str], make_event: Callable[..., SafetyEvent]
) -> Incidents:
    fall = make_event(type=EventType.FALL, camera_id="cam-a")
    store.record_event(fall)
    store.record_event(make_event(type=EventType.LONG_LIE, camera_id="cam-a", parent_key=fall.key))
    store.record_event(make_event(type=EventType.SMOKE, camera_id="cam-b"))
    listed = {view.camera_id: view.id for view in read(store, list_incidents)}
    return Incidents(a=listed["cam-a"], b=listed["cam-b"])


def auth(tokens: dict[str, str], user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[user]}"}


@pytest.mark.parametrize(
    ("user", "cameras"),
    [
        ("officer-a", ["cam-a"]),
        ("officer-b", ["cam-b"]),
        ("inspector-s1", ["cam-a"]),
        ("inspector-d1", ["cam-b", "cam-a"]),
        ("operator", ["cam-b", "cam-a"]),
    ],
)
def test_lists_hold_only_the_scope(
    client: TestClient, tokens: dict[str, str], incidents: Incidents, user: str, cameras: list[str]
) -> None:
    response = client.get("/api/incidents", headers=auth(tokens, user))
    assert response.status_code == 200
    assert [i["camera_id"] for i in response.json()] == cameras


def test_list_filters_and_shows_grouped_events(
    client: TestClient, store: EventStore, tokens: dict[str, str], incidents: Incidents
) -> None:
    headers = auth(tokens, "inspector-d1")
    (a,) = [
        i for i in client.get("/api/incidents", headers=headers).json() if i["id"] == incidents.a
    ]
    assert a["event_types"] == ["fall", "long_lie"]
    assert (a["facility_id"], a["category"], a["status"]) == ("fac-a", "falls", "new")
    client.post(f"/api/incidents/{incidents.b}/acknowledge", headers=headers)
    acknowledged = client.get("/api/incidents?status=acknowledged", headers=headers).json()
    assert [i["id"] for i in acknowledged] == [incidents.b]
    assert len(client.get("/api/incidents?limit=1", headers=headers).json()) == 1
    for query in ("limit=0", "limit=5000", "status=bogus"):
        assert client.get(f"/api/incidents?{query}", headers=headers).status_code == 422


def test_detail_outside_the_scope_is_the_same_404_as_a_missing_one(
    client: TestClient, tokens: dict[str, str], incidents: Incidents
) -> None:
    headers = auth(tokens, "officer-a")
    own = client.get(f"/api/incidents/{incidents.a}", headers=headers)
    assert own.status_code == 200 and own.json()["id"] == incidents.a
    foreign = client.get(f"/api/incidents/{incidents.b}", headers=headers)
    missing = client.get("/api/incidents/999999", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == f"incident {incidents.b} not found"
    assert missing.json()["detail"] == "incident 999999 not found"
    for incident_id in ("0", "-5", "99999999999", "9" * 30):
        assert client.get(f"/api/incidents/{incident_id}", headers=headers).status_code == 404


@pytest.mark.parametrize("path", ["", "/1", "/1/acknowledge"])
def test_without_a_token_is_401(client: TestClient, incidents: Incidents, path: str) -> None:
    method = client.post if path.endswith("acknowledge") else client.get
    assert method(f"/api/incidents{path}").status_code == 401


def test_officer_steps_own_incident_as_themselves(
    client: TestClient, store: EventStore, tokens: dict[str, str], incidents: Incidents
) -> None:
    headers = auth(tokens, "officer-a")
    response = client.post(
        f"/api/incidents/{incidents.a}/acknowledge", headers=headers, json={"note": "on my way"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "acknowledged"
    for event_id in body["event_ids"]:
        event = read(store, get_event, event_id)
        assert event is not None and event.status_by == "officer-a"
        assert event.transitions[-1].note == "on my way"
    with store.sessions() as session:
        (row,) = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "incident"))
        assert (row.actor, row.action, row.object_id) == (
            "officer-a",
            "incident_transition",
            str(incidents.a),
        )


def test_resolving_a_fall_incident_asks_for_the_family_notice(
    client: TestClient, tokens: dict[str, str], incidents: Incidents
) -> None:
    url = f"/api/incidents/{incidents.a}/resolve"
    headers = auth(tokens, "inspector-s1")
    refused = client.post(url, headers=headers)
    assert refused.status_code == 422 and "family notification" in refused.json()["detail"]
    resolved = client.post(url, headers=headers, json={"family": FAMILY})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert client.post(url, headers=headers, json={"family": FAMILY}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [{"actor": "someone-else"}, {"note": "a\x00b"}, {"family": {"method": "phone"}}],
    ids=["actor", "nul", "family"],
)
def test_bad_bodies_are_422(
    client: TestClient, tokens: dict[str, str], incidents: Incidents, body: dict[str, object]
) -> None:
    url = f"/api/incidents/{incidents.b}/acknowledge"
    assert client.post(url, headers=auth(tokens, "officer-b"), json=body).status_code == 422


def test_foreign_incident_cannot_be_stepped(
    client: TestClient, store: EventStore, tokens: dict[str, str], incidents: Incidents
) -> None:
    before = read(store, get_incident, incidents.b)
    response = client.post(
        f"/api/incidents/{incidents.b}/acknowledge", headers=auth(tokens, "officer-a")
    )
    assert response.status_code == 404
    assert response.json()["detail"] == f"incident {incidents.b} not found"
    assert read(store, get_incident, incidents.b) == before


@pytest.mark.parametrize("incident", ["a", "b", "missing"])
def test_operators_may_not_step_incidents(
    client: TestClient,
    store: EventStore,
    tokens: dict[str, str],
    incidents: Incidents,
    incident: str,
) -> None:
    incident_id = getattr(incidents, incident, 999999)
    response = client.post(
        f"/api/incidents/{incident_id}/acknowledge", headers=auth(tokens, "operator")
    )
    assert response.status_code == 403
    assert [i.status for i in read(store, list_incidents)] == ["new", "new"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"a", "b"}),
        ("?status=open", {"a", "b"}),
        ("?status=acknowledged", set()),
        ("?facility_id=fac-a", {"a"}),
        ("?street_id=s2", {"b"}),
        ("?street_id=nowhere", set()),
        ("?type=long_lie", {"a"}),
        ("?type=smoke&facility_id=fac-a", set()),
        ("?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z", set()),
        ("?from=2000-01-01T00:00:00Z", {"a", "b"}),
    ],
)
def test_search_filters(
    client: TestClient, tokens: dict[str, str], incidents: Incidents, query: str, expected: set[str]
) -> None:
    found = client.get(f"/api/incidents{query}", headers=auth(tokens, "inspector-d1")).json()
    names = {"a" if i["id"] == incidents.a else "b" for i in found}
    assert names == expected


@pytest.mark.parametrize(
    "query", ["?from=2020-01-02T00:00:00Z&to=2020-01-01T00:00:00Z", "?from=yesterday", "?status=x"]
)
def test_bad_searches_are_422(
    client: TestClient, tokens: dict[str, str], incidents: Incidents, query: str
) -> None:
    answer = client.get(f"/api/incidents{query}", headers=auth(tokens, "inspector-d1"))
    assert answer.status_code == 422


def test_search_exports_as_csv(
    client: TestClient, tokens: dict[str, str], incidents: Incidents
) -> None:
    answer = client.get(
        "/api/incidents.csv?facility_id=fac-a", headers=auth(tokens, "inspector-d1")
    )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert [(int(r["id"]), r["types"], r["falls"], r["events"]) for r in rows] == [
        (incidents.a, "fall+long_lie", "1", "2")
    ]
    assert rows[0]["opened_at"].endswith("+08:00")


def test_a_closing_step_refuses_what_the_person_did_not_see(
    client: TestClient, tokens: dict[str, str], incidents: Incidents
) -> None:
    headers = auth(tokens, "officer-a")
    incident = client.get(f"/api/incidents/{incidents.a}", headers=headers).json()
    fall_id, lie_id = incident["event_ids"]
    body = {"seen_event_id": fall_id}
    refused = client.post(f"/api/incidents/{incidents.a}/false-alarm", json=body, headers=headers)
    assert refused.status_code == 409 and "changed since you looked" in refused.json()["detail"]
    done = client.post(f"/api/incidents/{incidents.a}/acknowledge", json=body, headers=headers)
    assert done.status_code == 200
    answer = done.json()
    assert (answer["status"], answer["pending_event_ids"], answer["unacknowledged"]) == (
        "acknowledged",
        [lie_id],
        True,
    )
    assert [(s["action"], s["event_ids"]) for s in answer["steps"]] == [("acknowledge", [fall_id])]
