"""Inspections, hazards and evidence over HTTP, with scope: two facilities in two streets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.checklists import ChecklistKind, load_checklists
from supervision.config import InspectionConfig
from supervision.events.store import EventStore
from supervision.org import tree as org
from supervision.org.passwords import ScryptParams
from supervision.org.tokens import issue_token
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import create_user
from supervision.tables import AuditEntry
from tests.dashboard.media_helpers import draw_picture, write_jpeg
from vision.events import SafetyEvent

FAST = ScryptParams(log2_n=4)
MAX_EVIDENCE_BYTES = 64 * 1024
FIRE = load_checklists()[ChecklistKind.FIRE_SAFETY]
JPEG = cv2.imencode(".jpg", draw_picture(64, 48))[1].tobytes()
# user -> (role, node): officers of fac-a (street s1) and fac-b (street s2), inspectors, operator
USERS = {
    "officer-a": ("facility_officer", NodeRef(NodeKind.FACILITY, "fac-a")),
    "officer-b": ("facility_officer", NodeRef(NodeKind.FACILITY, "fac-b")),
    "inspector-s1": ("street_inspector", NodeRef(NodeKind.STREET, "s1")),
    "inspector-s2": ("street_inspector", NodeRef(NodeKind.STREET, "s2")),
    "inspector-d1": ("district_inspector", NodeRef(NodeKind.DISTRICT, "d1")),
    "operator": ("operator", None),
}


@pytest.fixture
def app(
    config: DashboardConfig, store: EventStore, live_feed: StaticLiveFeed, media_root: Path
) -> FastAPI:
    inspection = InspectionConfig(max_evidence_bytes=MAX_EVIDENCE_BYTES)
    return create_app(config, store, live_feed, media_root, inspection)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """Signed in as nobody: each request names its user's headers."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def headers(store: EventStore) -> dict[str, dict[str, str]]:
    """Bearer headers per user of USERS, on a tree d1 → s1 → fac-a (cam-a), s2 → fac-b (cam-b)."""
    with store.sessions.begin() as session:
        org.create_district(session, "d1", "District")
        for street, facility in (("s1", "fac-a"), ("s2", "fac-b")):
            org.create_street(session, street, "d1", f"Street {street}")
            org.create_facility(session, facility, f"Home {facility}", street)
            org.create_camera(session, f"cam-{facility[-1]}", facility, "Hall", "file")
        tokens = {}
        for username, (role, node) in USERS.items():
            user = create_user(session, username, "password1", role, node, params=FAST)
            tokens[username] = issue_token(session, user.id, ttl_s=3600).token
    return {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}


class Api:
    """Calls as one user at a time."""

    def __init__(self, client: TestClient, headers: dict[str, dict[str, str]]) -> None:
        self.client = client
        self.headers = headers

    def __call__(self, user: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=self.headers.get(user, {}), **kwargs)

    def inspection(self, facility: str, user: str = "inspector-d1") -> int:
        body = {"facility_id": facility, "checklist_kind": "fire_safety", "mode": "on_site"}
        response = self(user, "POST", "/api/inspections", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def complete_with_failure(self, inspection_id: int, grade: str = "general") -> int:
        results: list[dict[str, Any]] = [
            {"item_id": item.id, "result": "pass"} for item in FIRE.items
        ]
        results[1] = {"item_id": FIRE.items[1].id, "result": "fail", "hazard_grade": grade}
        path = f"/api/inspections/{inspection_id}"
        assert self(
            "inspector-d1", "PATCH", f"{path}/results", json={"results": results}
        ).is_success
        completed = self("inspector-d1", "POST", f"{path}/complete")
        assert completed.status_code == 200, completed.text
        return int(completed.json()["hazard_ids"][0])

    def upload(self, user: str, path: str, data: bytes = JPEG, kind: str = "image/jpeg") -> Any:
        return self(user, "POST", path, files={"file": ("photo.jpg", data, kind)})


@pytest.fixture
def api(client: TestClient, headers: dict[str, dict[str, str]]) -> Api:
    return Api(client, headers)


@pytest.fixture
def event_a(store: EventStore, media_root: Path, make_event: Callable[..., SafetyEvent]) -> int:
    """An event of fac-a's camera with a JPEG snapshot on disk."""
    event = make_event(camera_id="cam-a")
    event_id = store.record_event(event)
    snapshot = write_jpeg(media_root / "snapshots" / f"{event.key}.jpg", draw_picture())
    store.attach_media(event.key, snapshot_path=snapshot.relative_to(media_root))
    return event_id


def _audit(store: EventStore) -> list[str]:
    with store.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- roles and scope -----------------------------------------------------------------------

ROUTES = [
    ("GET", "/api/checklists"),
    ("GET", "/api/inspections"),
    ("POST", "/api/inspections"),
    ("GET", "/api/inspections/{i}"),
    ("PATCH", "/api/inspections/{i}/results"),
    ("POST", "/api/inspections/{i}/evidence"),
    ("POST", "/api/inspections/{i}/evidence/upload"),
    ("GET", "/api/inspections/{i}/evidence/1"),
    ("POST", "/api/inspections/{i}/complete"),
    ("GET", "/api/hazards"),
    ("GET", "/api/hazards/{h}"),
    ("POST", "/api/hazards/{h}/fix"),
    ("POST", "/api/hazards/{h}/verify"),
    ("POST", "/api/hazards/{h}/reopen"),
    ("GET", "/api/hazards/{h}/evidence/1"),
]
VALID_BODIES: dict[str, dict[str, Any]] = {
    "/api/inspections": {"json": {"facility_id": "fac-a", "checklist_kind": "fire_safety"}},
    "results": {"json": {"results": [{"item_id": FIRE.items[0].id, "result": "pass"}]}},
    "/evidence": {"json": {"event_id": 1}},
    "upload": {"files": {"file": ("a.jpg", JPEG, "image/jpeg")}},
    "fix": {"data": {"note": "done", "event_id": "1"}},
    "reopen": {"json": {"note": "again"}},
}


def _body(path: str) -> dict[str, Any]:
    return next((body for key, body in VALID_BODIES.items() if path.endswith(key)), {})


def test_operators_get_403_and_strangers_401_on_every_route(api: Api) -> None:
    # One database for the whole table: setting it up costs more than the calls.
    inspection_id = api.inspection("fac-a")
    hazard_id = api.complete_with_failure(inspection_id)
    for method, path in ROUTES:
        url = path.format(i=inspection_id, h=hazard_id)
        assert api("operator", method, url, **_body(path)).status_code == 403, (method, path)
        assert api("nobody", method, url, **_body(path)).status_code == 401, (method, path)


def test_another_facility_or_street_gets_404_like_a_missing_id(api: Api) -> None:
    inspection_id = api.inspection("fac-a")
    hazard_id = api.complete_with_failure(inspection_id)
    for method, path in [route for route in ROUTES if "{" in route[1]]:
        kind, own_id = ("inspection", inspection_id) if "{i}" in path else ("hazard", hazard_id)
        url, missing_url = path.format(i=own_id, h=own_id), path.format(i=99999, h=99999)
        for user in ("officer-b", "inspector-s2"):
            other = api(user, method, url, **_body(path))
            assert other.status_code == 404, (user, method, path)
            assert other.json() == {"detail": f"{kind} {own_id} not found"}
        missing = api("officer-a", method, missing_url, **_body(path))
        assert (missing.status_code, missing.json()) == (404, {"detail": f"{kind} 99999 not found"})


# (user, facility, expected status) — one database for the table, as above.
WHO_MAY_START = [
    ("inspector-s1", "fac-a", 201),
    ("inspector-s1", "fac-b", 404),  # another street's facility reads as missing
    ("inspector-s1", "no-such", 404),
    ("inspector-d1", "fac-b", 201),
    ("officer-a", "fac-a", 403),  # officers fix hazards; inspectors inspect
    ("officer-a", "fac-b", 404),
]
# user -> the facilities whose rows it sees
VISIBLE = {
    "officer-a": {"fac-a"},
    "officer-b": {"fac-b"},
    "inspector-s1": {"fac-a"},
    "inspector-s2": {"fac-b"},
    "inspector-d1": {"fac-a", "fac-b"},
}


def test_who_may_start_an_inspection(api: Api) -> None:
    for user, facility, status in WHO_MAY_START:
        body = {"facility_id": facility, "checklist_kind": "service_quality", "mode": "remote"}
        response = api(user, "POST", "/api/inspections", json=body)
        assert response.status_code == status, (user, facility, response.text)
        if status == 404:
            assert response.json() == {"detail": f"facility {facility} not found"}


def test_lists_hold_only_rows_in_scope(api: Api) -> None:
    for facility in ("fac-a", "fac-b"):
        api.complete_with_failure(api.inspection(facility))
    for user, visible in VISIBLE.items():
        inspections = api(user, "GET", "/api/inspections").json()
        hazards = api(user, "GET", "/api/hazards").json()
        assert {row["facility_id"] for row in inspections} == visible, user
        assert {row["facility_id"] for row in hazards} == visible, user
        for facility in ({"fac-a", "fac-b"} - visible) or {"none"}:
            assert api(user, "GET", f"/api/inspections?facility_id={facility}").json() == []
            assert api(user, "GET", f"/api/hazards?facility_id={facility}").json() == []


def test_checklists(api: Api) -> None:
    response = api("officer-a", "GET", "/api/checklists")
    assert response.status_code == 200
    kinds = {row["kind"]: row for row in response.json()}
    assert set(kinds) == {"fire_safety", "service_quality"}
    items = kinds["fire_safety"]["items"]
    assert len(items) == len(FIRE.items) and all(i["text_zh"] and i["text_en"] for i in items)


# --- an inspection from start to hazard verified -----------------------------------------


def test_inspection_to_verified_hazard(api: Api, store: EventStore, event_a: int) -> None:
    inspection_id = api.inspection("fac-a", user="inspector-s1")
    path = f"/api/inspections/{inspection_id}"
    attached = api(
        "inspector-s1",
        "POST",
        f"{path}/evidence",
        json={"event_id": event_a, "kind": "snapshot", "item_id": FIRE.items[1].id},
    )
    assert attached.status_code == 201, attached.text
    assert attached.json()["url"] == f"{path}/evidence/{attached.json()['id']}"
    photo = api.upload("inspector-s1", f"{path}/evidence/upload")
    assert photo.status_code == 201, photo.text
    hazard_id = api.complete_with_failure(inspection_id, grade="major")

    detail = api("officer-a", "GET", path).json()
    assert detail["status"] == "completed" and detail["hazard_ids"] == [hazard_id]
    assert [e["kind"] for e in detail["evidence"]] == ["snapshot", "file"]
    served = api("officer-a", "GET", photo.json()["url"])
    assert served.status_code == 200 and served.content == JPEG
    assert served.headers["content-type"] == "image/jpeg"
    assert api("officer-a", "GET", attached.json()["url"]).content[:3] == b"\xff\xd8\xff"

    hazard = f"/api/hazards/{hazard_id}"
    assert api("inspector-s1", "POST", f"{hazard}/verify").status_code == 409  # not fixed yet
    fixed = api.upload("officer-a", f"{hazard}/fix?unused=1", kind="image/jpeg")
    assert fixed.status_code == 422  # a fix needs its note
    fixed = api(
        "officer-a",
        "POST",
        f"{hazard}/fix",
        data={"note": "boxes moved out of the corridor"},
        files={"file": ("after.jpg", JPEG, "image/jpeg")},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "fixed" and fixed.json()["fixed_by"] == "officer-a"
    assert api("officer-a", "POST", f"{hazard}/verify").status_code == 403
    verified = api("inspector-s1", "POST", f"{hazard}/verify", json={"note": "checked"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"

    body = api("inspector-d1", "GET", hazard).json()
    assert [s["action"] for s in body["steps"]] == ["created", "fixed", "verified"]
    fix_photo = body["evidence"][0]["url"]
    assert api("officer-a", "GET", fix_photo).content == JPEG
    assert api("officer-b", "GET", fix_photo).status_code == 404
    assert _audit(store) == [
        "inspection_created",
        "evidence_attached",
        "evidence_attached",
        "inspection_results_recorded",
        "hazard_created",
        "inspection_completed",
        "evidence_viewed",
        "evidence_viewed",
        "evidence_attached",
        "hazard_fixed",
        "hazard_verified",
        "evidence_viewed",
    ]


def test_evidence_files_only_through_their_own_route(
    api: Api, media_root: Path, event_a: int
) -> None:
    mine = api.inspection("fac-a")
    theirs = api.inspection("fac-b")
    photo = api.upload("inspector-d1", f"/api/inspections/{mine}/evidence/upload").json()
    stored = next((media_root / "evidence" / str(mine)).iterdir())
    assert stored.name != "photo.jpg" and stored.read_bytes() == JPEG
    # Not through another inspection (even one the caller may see), not through /media.
    assert (
        api("inspector-d1", "GET", f"/api/inspections/{theirs}/evidence/{photo['id']}").status_code
        == 404
    )
    assert (
        api("officer-b", "GET", f"/api/inspections/{mine}/evidence/{photo['id']}").status_code
        == 404
    )
    assert api("officer-a", "GET", f"/media/evidence/{mine}/{stored.name}").status_code == 404


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (JPEG, "image/png", 415),
        (b"GIF89a....", "image/gif", 415),
        (b"<svg onload=alert(1)>", "image/jpeg", 415),
        (b"", "image/jpeg", 415),
        (JPEG + b"\x00" * MAX_EVIDENCE_BYTES, "image/jpeg", 413),
    ],
    ids=["mismatch", "gif", "svg-as-jpeg", "empty", "too-large"],
)
def test_bad_uploads_leave_nothing(
    api: Api, media_root: Path, data: bytes, content_type: str, status: int
) -> None:
    inspection_id = api.inspection("fac-a")
    path = f"/api/inspections/{inspection_id}/evidence/upload"
    assert api.upload("inspector-d1", path, data, content_type).status_code == status
    assert not [p for p in media_root.rglob("*") if p.is_file()]
    assert api("inspector-d1", "GET", f"/api/inspections/{inspection_id}").json()["evidence"] == []


def test_event_of_another_facility_reads_as_missing(
    api: Api, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    inspection_id = api.inspection("fac-a")
    foreign = store.record_event(make_event(camera_id="cam-b"))
    path = f"/api/inspections/{inspection_id}/evidence"
    response = api("inspector-d1", "POST", path, json={"event_id": foreign})
    assert (response.status_code, response.json()) == (
        404,
        {"detail": f"event {foreign} not found"},
    )
    file_kind = api("inspector-d1", "POST", path, json={"event_id": foreign, "kind": "file"})
    assert file_kind.status_code == 422


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("complete-early", 409),
        ("unknown-item", 422),
        ("grade-on-pass", 422),
        ("no-results", 422),
        ("deadline-overflow", 422),
        ("after-completion", 409),
    ],
)
def test_result_and_completion_errors(api: Api, step: str, status: int) -> None:
    inspection_id = api.inspection("fac-a")
    path = f"/api/inspections/{inspection_id}"
    first = FIRE.items[0].id
    bodies = {
        "unknown-item": [{"item_id": "no.such", "result": "pass"}],
        "grade-on-pass": [{"item_id": first, "result": "pass", "hazard_grade": "major"}],
        "no-results": [],
        "deadline-overflow": [
            {"item_id": first, "result": "fail", "hazard_deadline": "9999-12-31T23:00:00-05:00"}
        ],
    }
    if step == "complete-early":
        response = api("inspector-d1", "POST", f"{path}/complete")
    elif step == "after-completion":
        api.complete_with_failure(inspection_id)
        results = {"results": [{"item_id": first, "result": "fail"}]}
        response = api("inspector-d1", "PATCH", f"{path}/results", json=results)
    else:
        response = api("inspector-d1", "PATCH", f"{path}/results", json={"results": bodies[step]})
    assert response.status_code == status, response.text


def test_hazard_filters_and_reopen(api: Api) -> None:
    general = api.complete_with_failure(api.inspection("fac-a"))
    major = api.complete_with_failure(api.inspection("fac-a"), grade="major")

    def ids(query: str) -> list[int]:
        return [row["id"] for row in api("officer-a", "GET", f"/api/hazards?{query}").json()]

    assert ids("") == [major, general]  # nearest deadline first
    assert ids("grade=major") == [major]
    assert ids("status=open&overdue=false") == [major, general]
    assert ids("overdue=true") == []
    assert api("officer-a", "GET", "/api/hazards?grade=bogus").status_code == 422

    hazard = f"/api/hazards/{general}"
    fixed = api("officer-a", "POST", f"{hazard}/fix", data={"note": "done", "event_id": "77"})
    assert fixed.status_code == 404  # no such event in the facility
    assert api("inspector-s1", "POST", f"{hazard}/fix", data={"note": "x"}).status_code == 422
    assert api("officer-a", "POST", f"{hazard}/reopen", json={"note": "no"}).status_code == 403
    assert api("inspector-s1", "POST", f"{hazard}/reopen", json={"note": "no"}).status_code == 409
    api(
        "officer-a",
        "POST",
        f"{hazard}/fix",
        files={"file": ("a.jpg", JPEG, "image/jpeg")},
        data={"note": "ok"},
    )
    assert api("inspector-s1", "POST", f"{hazard}/reopen", json={}).status_code == 422
    past = {"note": "again", "deadline": "2020-01-01T00:00:00+08:00"}
    assert api("inspector-s1", "POST", f"{hazard}/reopen", json=past).status_code == 422
    reopened = api("inspector-s1", "POST", f"{hazard}/reopen", json={"note": "still blocked"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    assert ids("status=reopened") == [general]
