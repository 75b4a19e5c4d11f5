"""Inspector routes over HTTP: overview counts, facilities, incident timeline, audit, PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dashboard.live import StaticLiveFeed
from streams.health import CameraHealth, CameraState
from supervision.config import InspectionConfig
from supervision.events.incidents import transition_event
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import FacilityRecord
from supervision.inspections.hazards import HazardGrade, create_hazard
from supervision.org import tree as org
from supervision.tables import Camera, Node, utc_now
from tests.conftest import T0_EPOCH_S
from tests.pdf_text import pdf_text
from tests.store_calls import read, write
from vision.events import EventType

ClientAs = Callable[[str], TestClient]
PERIOD = {"start": "2025-10-01T00:00:00Z", "end": "2025-10-31T00:00:00Z"}


def _hazard(store: EventStore, facility_id: str, overdue: bool) -> int:
    now = utc_now()
    deadline = now + timedelta(days=-1 if overdue else 5)
    with store.sessions.begin() as session:
        view = create_hazard(
            session,
            facility_id,
            HazardGrade.MAJOR,
            "exit blocked",
            "district",
            InspectionConfig(),
            deadline=deadline,
            now=deadline - timedelta(days=10),
        )
    return view.id


def _counts(node: dict[str, Any]) -> tuple[int, int, int, int]:
    counts = node["counts"]
    return (
        counts["open_incidents"],
        counts["overdue_hazards"],
        counts["cameras_offline"],
        counts["cameras"],
    )


def _tree(node: dict[str, Any]) -> Any:
    """(kind, id, children) nested, to compare shapes."""
    return (node["kind"], node["id"], [_tree(child) for child in node["children"]])


@pytest.fixture
def busy(
    store: EventStore, record_with_media: Callable[..., int], tokens: dict[str, str]
) -> dict[str, int]:
    """fac-1: an open fall on cam-1, a resolved one on cam-2, an overdue and a due hazard;
    fac-2: smoke on cam-9 and an overdue hazard. cam-1 is online (live), the rest stopped."""
    fall = record_with_media(camera_id="cam-1")
    closed = record_with_media(camera_id="cam-2", type=EventType.SMOKE)
    write(store, transition_event, closed, "false_alarm", "officer-1")
    smoke = record_with_media(camera_id="cam-9", type=EventType.SMOKE)
    _hazard(store, "fac-1", overdue=True)
    _hazard(store, "fac-1", overdue=False)
    _hazard(store, "fac-2", overdue=True)
    return {"fall": fall, "closed": closed, "smoke": smoke}


@pytest.mark.parametrize(
    ("user", "shape"),
    [
        ("officer-1", [("facility", "fac-1", [])]),
        ("street-1", [("street", "s1", [("facility", "fac-1", [])])]),
        (
            "district",
            [
                (
                    "district",
                    "d1",
                    [
                        ("street", "s1", [("facility", "fac-1", [])]),
                        ("street", "s2", [("facility", "fac-2", [])]),
                    ],
                )
            ],
        ),
        ("street-2", [("street", "s2", [("facility", "fac-2", [])])]),
    ],
)
def test_overview_tree_is_the_users_node(
    client_as: ClientAs, busy: dict[str, int], user: str, shape: list[Any]
) -> None:
    answer = client_as(user).get("/api/overview")
    assert answer.status_code == 200, answer.text
    assert [_tree(root) for root in answer.json()["roots"]] == shape


def test_overview_counts_roll_up_and_follow_live_state(
    client_as: ClientAs, busy: dict[str, int], live_feed: StaticLiveFeed
) -> None:
    client = client_as("district")
    (district,) = client.get("/api/overview").json()["roots"]
    s1, s2 = district["children"]
    (fac1,) = s1["children"]
    assert fac1["timezone"] == "Asia/Shanghai" and fac1["name"] == "Sunrise Home"
    # open incidents, overdue hazards, cameras offline, cameras
    assert _counts(fac1) == _counts(s1) == (1, 1, 1, 2)
    assert _counts(s2) == (1, 1, 1, 1)
    assert _counts(district) == (2, 2, 2, 3)

    live_feed.set_health(CameraHealth("cam-2", CameraState.ONLINE, T0_EPOCH_S, 10, 1, 0, 0))
    live_feed.set_health(CameraHealth("cam-1", CameraState.STALLED, T0_EPOCH_S, 0, 1, 0, 0))
    client.post(f"/api/events/{busy['fall']}/false-alarm")
    (district,) = client.get("/api/overview").json()["roots"]
    assert _counts(district["children"][0]) == (0, 1, 1, 2)


def test_overview_shows_empty_streets_and_admin_sees_unplaced_facilities(
    client_as: ClientAs, store: EventStore, tokens: dict[str, str]
) -> None:
    with store.sessions.begin() as session:
        org.create_street(session, "s3", "d1", "Empty Street")
    store.sync_topology([FacilityRecord(id="fac-new", name="New Home")], [])
    admin = client_as("admin").get("/api/overview").json()["roots"]
    assert [(root["kind"], root["id"]) for root in admin] == [
        ("district", "d1"),
        ("facility", "fac-new"),
    ]
    assert [street["id"] for street in admin[0]["children"]] == ["s1", "s2", "s3"]
    assert _counts(admin[0]["children"][2]) == (0, 0, 0, 0)
    assert client_as("operator").get("/api/overview").status_code == 200


@pytest.mark.parametrize(
    ("user", "facilities"),
    [
        ("officer-1", ["fac-1"]),
        ("officer-2", ["fac-2"]),
        ("street-1", ["fac-1"]),
        ("district", ["fac-1", "fac-2"]),
        ("operator", ["fac-1", "fac-2"]),
        ("admin", ["fac-1", "fac-2"]),
    ],
)
def test_facilities_in_scope_with_time_zones(
    client_as: ClientAs, user: str, facilities: list[str]
) -> None:
    answer = client_as(user).get("/api/facilities").json()
    assert [facility["id"] for facility in answer] == facilities
    assert {facility["timezone"] for facility in answer} == {"Asia/Shanghai"}
    assert answer[0].keys() >= {"id", "name", "kind", "street_id", "timezone"}


@pytest.fixture
def around(
    store: EventStore, record_with_media: Callable[..., int], tokens: dict[str, str]
) -> dict[str, int]:
    """A fall on cam-1 at T; cam-2 events 100 s and 900 s later; cam-9 (fac-2) 50 s later."""
    at = T0_EPOCH_S + 5000
    fall = record_with_media(camera_id="cam-1", started_at=at, start_s=100.0)
    near = record_with_media(camera_id="cam-2", started_at=at + 100, type=EventType.SMOKE)
    far = record_with_media(camera_id="cam-2", started_at=at + 900, type=EventType.FIRE)
    record_with_media(camera_id="cam-9", started_at=at + 50)
    (incident,) = [i.id for i in read(store, list_incidents) if fall in i.event_ids]
    return {"incident": incident, "fall": fall, "near": near, "far": far}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["fall", "near"]),
        ("?window_s=1000", ["fall", "near", "far"]),
        ("?window_s=0", ["fall"]),
    ],
)
def test_timeline_holds_the_facilitys_events_in_the_window(
    client_as: ClientAs, around: dict[str, int], query: str, expected: list[str]
) -> None:
    answer = client_as("street-1").get(f"/api/incidents/{around['incident']}/timeline{query}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [event["id"] for event in body["events"]] == [around[name] for name in expected]
    first = body["events"][0]
    assert first["incident_id"] == around["incident"] and first["camera_name"] == "Corridor"
    assert first["clip_url"].startswith("/media/clips/") and first["clip_fps"] == 10.0
    assert first["snapshot_url"].endswith(".jpg") and body["truncated"] is False


@pytest.mark.parametrize("query", ["?window_s=-1", "?window_s=3601", "?window_s=x"])
def test_timeline_window_bounds(client_as: ClientAs, around: dict[str, int], query: str) -> None:
    answer = client_as("street-1").get(f"/api/incidents/{around['incident']}/timeline{query}")
    assert answer.status_code == 422


def test_timeline_outside_the_scope_is_the_same_404_as_a_missing_one(
    client_as: ClientAs, around: dict[str, int]
) -> None:
    client = client_as("street-2")
    foreign = client.get(f"/api/incidents/{around['incident']}/timeline")
    missing = client.get("/api/incidents/999999/timeline")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace(str(around["incident"]), "N") == missing.json()[
        "detail"
    ].replace("999999", "N")


def _download(client: TestClient, store: EventStore, event_id: int) -> None:
    view = read(store, get_event, event_id)
    assert view is not None and view.clip_path is not None
    answer = client.get(f"/media/{view.clip_path}?download=true")
    assert answer.status_code == 200 and answer.content[4:8] == b"ftyp"


def _audit(client: TestClient, query: str = "") -> list[tuple[str, str, str | None]]:
    answer = client.get(f"/api/audit{query}")
    assert answer.status_code == 200, answer.text
    return [(row["actor"], row["action"], row["object_id"]) for row in answer.json()]


def test_audit_rows_follow_the_scope(
    client_as: ClientAs, store: EventStore, busy: dict[str, int]
) -> None:
    fall, smoke = str(busy["fall"]), str(busy["smoke"])
    _download(client_as("officer-1"), store, busy["fall"])
    _download(client_as("officer-2"), store, busy["smoke"])
    client_as("street-1").get("/api/kpis.csv")
    exports = "?action=clip_export"

    assert _audit(client_as("admin"), exports) == [
        ("officer-2", "clip_export", smoke),
        ("officer-1", "clip_export", fall),
    ]
    assert _audit(client_as("district"), exports) == _audit(client_as("admin"), exports)
    assert _audit(client_as("street-1"), exports) == [("officer-1", "clip_export", fall)]
    assert _audit(client_as("street-2"), exports) == [("officer-2", "clip_export", smoke)]
    # Their own actions too; others' actions on nothing in their scope, not.
    assert ("street-1", "kpis_exported", "facility") in _audit(client_as("street-1"))
    assert all(actor != "street-1" for actor, *_ in _audit(client_as("street-2")))
    hazards = {row[2] for row in _audit(client_as("street-2"), "?object_type=hazard")}
    assert len(hazards) == 1  # fac-2's hazard, not fac-1's two


def test_audit_of_one_incident_and_paging(
    client_as: ClientAs, store: EventStore, busy: dict[str, int]
) -> None:
    client = client_as("street-1")
    _download(client, store, busy["fall"])
    (incident,) = [i.id for i in read(store, list_incidents) if busy["fall"] in i.event_ids]
    client.post(f"/api/incidents/{incident}/acknowledge")
    rows = _audit(client, f"?incident_id={incident}")
    assert rows == [
        ("street-1", "incident_transition", str(incident)),
        ("street-1", "clip_export", str(busy["fall"])),
    ]
    newest = client.get("/api/audit?limit=1").json()
    older = client.get(f"/api/audit?before_seq={newest[0]['seq']}&limit=500").json()
    assert newest[0]["seq"] > older[0]["seq"] and len(older) >= 2
    assert _audit(client_as("street-2"), f"?incident_id={incident}") == []


@pytest.mark.parametrize(("user", "code"), [("officer-1", 403), ("operator", 403)])
def test_who_may_not_read_the_audit_log(client_as: ClientAs, user: str, code: int) -> None:
    assert client_as(user).get("/api/audit").status_code == code


@pytest.mark.parametrize("query", ["?limit=0", "?limit=501", "?before_seq=0", "?incident_id=-1"])
def test_audit_query_bounds(client_as: ClientAs, query: str) -> None:
    assert client_as("admin").get(f"/api/audit{query}").status_code == 422


def _pdf(client: TestClient, **params: str) -> tuple[int, str, bytes]:
    answer = client.get("/api/reports/kpis.pdf", params={**PERIOD, **params})
    text = "".join(pdf_text(answer.content).split()) if answer.status_code == 200 else ""
    return answer.status_code, text, answer.content


def test_pdf_report_of_the_users_facilities_in_chinese(
    client_as: ClientAs, store: EventStore, busy: dict[str, int]
) -> None:
    with store.sessions.begin() as session:
        org.create_facility(session, "fac-3", "阳光养老院", "s1")
    code, text, content = _pdf(client_as("street-1"), level="facility")
    assert code == 200 and content.startswith(b"%PDF")
    assert "SunriseHome" in text and "阳光养老院" in text and "安防监管指标报表" in text
    assert "Lakeside" not in text and "DrumTowerStreet" in text
    rows = client_as("admin").get("/api/audit?action=kpis_exported").json()
    assert rows[0]["actor"] == "street-1" and rows[0]["detail"]["format"] == "pdf"


@pytest.mark.parametrize(
    ("user", "params", "code", "shown", "hidden"),
    [
        ("district", {"node_kind": "street", "node_id": "s2"}, 200, "LakesideCentre", "Sunrise"),
        ("district", {"level": "street", "lang": "en"}, 200, "LakeStreet", "Sunrise"),
        ("admin", {"level": "district", "lang": "en"}, 200, "GulouDistrict", "Sunrise"),
        ("officer-2", {}, 200, "LakesideCentre", "Sunrise"),
        ("street-1", {"node_kind": "street", "node_id": "s2"}, 404, "", ""),
        ("street-1", {"node_kind": "street", "node_id": "nowhere"}, 404, "", ""),
        ("street-1", {"node_kind": "street"}, 422, "", ""),
        ("street-1", {"lang": "fr"}, 422, "", ""),
    ],
)
def test_pdf_report_nodes_and_languages(
    client_as: ClientAs,
    busy: dict[str, int],
    user: str,
    params: dict[str, str],
    code: int,
    shown: str,
    hidden: str,
) -> None:
    answer_code, text, _ = _pdf(client_as(user), **params)
    assert answer_code == code
    assert shown in text and (not hidden or hidden not in text)


def test_kpis_json_takes_the_node_too(client_as: ClientAs, busy: dict[str, int]) -> None:
    client = client_as("district")
    rows = client.get("/api/kpis", params={**PERIOD, "node_kind": "street", "node_id": "s1"})
    assert [row["node_id"] for row in rows.json()["rows"]] == ["fac-1"]
    foreign = client_as("street-2").get(
        "/api/kpis", params={**PERIOD, "node_kind": "facility", "node_id": "fac-1"}
    )
    missing = client_as("street-2").get(
        "/api/kpis", params={**PERIOD, "node_kind": "facility", "node_id": "fac-0"}
    )
    assert foreign.status_code == missing.status_code == 404


def test_a_silent_site_counts_in_the_overview(
    client_as: ClientAs, busy: dict[str, int], store: EventStore
) -> None:
    silent_at = utc_now() - timedelta(minutes=5)
    with store.sessions.begin() as session:
        box = Node(id="site-1", started_at=silent_at, last_seen_at=silent_at, version="1")
        box.silent_since = silent_at
        session.add(box)
        session.get_one(Camera, "cam-1").node_id = box.id
    (district,) = client_as("district").get("/api/overview").json()["roots"]
    (fac1,) = district["children"][0]["children"]
    assert fac1["counts"]["sites_offline"] == 1
    assert district["counts"]["sites_offline"] == 1
    assert district["children"][1]["counts"]["sites_offline"] == 0
