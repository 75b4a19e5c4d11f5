"""Scope on every route: users see and change only what is under their node, and nothing leaks."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dashboard.live import StaticLiveFeed
from supervision.cameras.versions import VersionKind, save_version
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from tests.dashboard.camera_control_fake import camera_config
from tests.dashboard.conftest import LiveServer
from tests.dashboard.media_helpers import draw_picture
from tests.dashboard.test_event_stream import _sse_messages
from tests.dashboard.test_inspections_api import ROUTES as INSPECTION_ROUTES
from tests.store_calls import read

# Every API route, and how each is reached for an object of fac-1 (cam-1) or in general.
# A route missing here fails `test_every_route_is_covered`, so new routes get a scope row.
PUBLIC = {
    ("GET", "/api/health"),
    ("POST", "/api/auth/login"),
    # Signed, expiring links pushed to phone groups: tests/supervision/test_pusher.py and
    # tests/dashboard/test_push_links.py check that only such a link opens a picture.
    ("GET", "/api/push/snapshots/{token}"),
}
OWN_SESSION = {("GET", "/api/auth/me"), ("PATCH", "/api/auth/me"), ("POST", "/api/auth/logout")}
# Sign-in locks: admins only (tests/dashboard/test_sign_in_throttle.py checks who may).
ADMIN_ONLY = {("GET", "/api/auth/throttles"), ("POST", "/api/auth/throttles/unlock")}
LISTS = {
    ("GET", "/api/cameras"),
    ("GET", "/api/events"),
    ("GET", "/api/events/stream"),
    ("GET", "/api/facilities"),
    ("GET", "/api/incidents"),
    ("GET", "/api/incidents.csv"),
    ("GET", "/api/kpis"),  # rows per node: tests/dashboard/test_kpis_api.py checks their scope
    ("GET", "/api/kpis.csv"),
    # Inspector routes: tests/dashboard/test_inspector_api.py checks what each user gets.
    ("GET", "/api/overview"),
    ("GET", "/api/nodes"),  # tests/dashboard/test_nodes_api.py checks what each user gets
    ("GET", "/api/audit"),
    ("GET", "/api/audit.csv"),
    ("GET", "/api/reports/kpis.pdf"),
}
# The operator's camera configuration routes: only roles that may change thresholds read them.
CAMERA_CONFIG = {
    ("GET", "/api/cameras/{camera_id}/config"): "/api/cameras/cam-1/config",
    ("GET", "/api/cameras/{camera_id}/config/versions"): "/api/cameras/cam-1/config/versions",
    ("PUT", "/api/cameras/{camera_id}/config"): "/api/cameras/cam-1/config",
    ("POST", "/api/cameras/{camera_id}/config/rollback"): "/api/cameras/cam-1/config/rollback",
    ("GET", "/api/cameras/{camera_id}/snapshot.jpg"): "/api/cameras/cam-1/snapshot.jpg",
    ("POST", "/api/cameras/{camera_id}/replay"): "/api/cameras/cam-1/replay",
}
# Operator routes about no stored object (tests/dashboard/test_camera_admin_api.py: who may).
CAMERA_GENERAL = {
    ("GET", "/api/camera-schema"),
    ("POST", "/api/cameras"),
    ("POST", "/api/cameras/test"),
}
# (method, route path) -> concrete path for fac-1's objects; "{event}" is filled in.
OBJECTS = {
    ("GET", "/api/events/{event_id}"): "/api/events/{event}",
    ("POST", "/api/events/{event_id}/{action}"): "/api/events/{event}/acknowledge",
    ("GET", "/api/cameras/{camera_id}/mjpeg"): "/api/cameras/cam-1/mjpeg",
    ("POST", "/api/cameras/{camera_id}/webrtc"): "/api/cameras/cam-1/webrtc",
    ("GET", "/media/{media_path}"): "/media/clips/{event}.mp4",
    ("GET", "/api/events/{event_id}/holds"): "/api/events/{event}/holds",
    ("POST", "/api/events/{event_id}/hold"): "/api/events/{event}/hold",
    ("POST", "/api/events/{event_id}/release"): "/api/events/{event}/release",
    ("GET", "/api/incidents/{incident_id}"): "/api/incidents/{incident}",
    ("POST", "/api/incidents/{incident_id}/{action}"): "/api/incidents/{incident}/acknowledge",
    ("GET", "/api/incidents/{incident_id}/timeline"): "/api/incidents/{incident}/timeline",
    **CAMERA_CONFIG,
}
OUTSIDERS = ("officer-2", "street-2")


def _api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of the OpenAPI description."""
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def _inspection_routes() -> set[tuple[str, str]]:
    """The routes whose scope tests/dashboard/test_inspections_api.py walks, as templates."""
    names = {"{i}": "{inspection_id}", "{h}": "{hazard_id}", "/1": "/{evidence_id}"}
    templates = set()
    for method, path in INSPECTION_ROUTES:
        for short, name in names.items():
            path = path.replace(short, name)
        templates.add((method, path))
    return templates


def test_every_route_is_covered(app: FastAPI) -> None:
    covered = PUBLIC | OWN_SESSION | LISTS | set(OBJECTS) | CAMERA_GENERAL | ADMIN_ONLY
    covered |= _inspection_routes()
    routes = _api_routes(app)
    assert ("GET", "/api/events/{event_id}") in routes
    assert routes - covered == set()


@pytest.fixture
def fac1_event(
    record_with_media: Callable[..., int], store: EventStore, live_feed: StaticLiveFeed
) -> int:
    """An event of cam-1 (fac-1) with a clip at /media/clips/<id>.mp4, and cam-9 live."""
    live_feed.set_frame("cam-9", draw_picture())
    with store.sessions.begin() as session:
        save_version(session, "cam-1", camera_config(), "settings", VersionKind.SEEDED, "seed")
    event_id = record_with_media(camera_id="cam-1")
    view = read(store, get_event, event_id)
    assert view is not None and view.clip_path is not None
    return event_id


def _object_path(template: str, store: EventStore, event_id: int) -> tuple[str, str]:
    """The path to fac-1's object, and the part of it that names the object."""
    view = read(store, get_event, event_id)
    assert view is not None and view.clip_path is not None
    if template.startswith("/media/"):
        return "/media/" + view.clip_path, view.clip_path
    if "{incident}" in template:
        (incident,) = [i.id for i in read(store, list_incidents) if event_id in i.event_ids]
        return template.format(incident=incident), str(incident)
    if "{event}" in template:
        return template.format(event=event_id), str(event_id)
    return template, "cam-1"


def _call(client: TestClient, method: str, path: str) -> httpx.Response:
    if path.endswith("/webrtc"):
        return client.post(path, json={"sdp": "v=0", "type": "offer"})
    if path.endswith(("/hold", "/release")):
        return client.post(path, json={"reason": "police asked for it"})
    if path.endswith(("/config", "/replay")) and method != "GET":
        return client.request(method, path, json={"config": camera_config()})
    if path.endswith("/rollback"):
        return client.post(path, json={"version": 1})
    return client.request(method, path, json={} if method == "POST" else None)


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize(("method", "route"), sorted(OBJECTS))
def test_objects_of_another_facility_are_not_found(
    client_as: Callable[[str], TestClient],
    store: EventStore,
    fac1_event: int,
    outsider: str,
    method: str,
    route: str,
) -> None:
    path, object_id = _object_path(OBJECTS[(method, route)], store, fac1_event)
    answer = _call(client_as(outsider), method, path)
    # mjpeg answers an endless stream to whoever may see it; the live tests cover that side.
    in_scope = method == "GET" and not route.endswith("mjpeg")
    insider = "operator" if (method, route) in CAMERA_CONFIG else "officer-1"
    inside = _call(client_as(insider), method, path) if in_scope else None

    assert answer.status_code == 404, answer.text
    # The same answer as for an id that does not exist: nothing tells the object is there.
    missing = _call(client_as(outsider), method, path.replace(object_id, "999999"))
    assert missing.status_code == 404
    assert answer.text.replace(object_id, "N") == missing.text.replace("999999", "N")
    if inside is not None:
        assert inside.status_code == 200
    assert read(store, get_event, fac1_event).status == "new"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("method", "route"), sorted(set(OBJECTS) | LISTS | OWN_SESSION | CAMERA_GENERAL | ADMIN_ONLY)
)
def test_every_route_needs_a_sign_in(
    app: FastAPI, store: EventStore, fac1_event: int, method: str, route: str
) -> None:
    path, _ = _object_path(OBJECTS.get((method, route), route), store, fac1_event)
    with TestClient(app) as anonymous:
        answer = _call(anonymous, method, path)
        forged = anonymous.request(method, path, headers={"Authorization": "Bearer not-a-token"})
    assert (answer.status_code, forged.status_code) == (401, 401)


def test_lists_show_only_what_is_in_scope(
    client_as: Callable[[str], TestClient],
    record_with_media: Callable[..., int],
) -> None:
    ours = {record_with_media(camera_id="cam-1"), record_with_media(camera_id="cam-2")}
    theirs = {record_with_media(camera_id="cam-9")}

    def listed(name: str, query: str = "") -> tuple[set[str], set[int]]:
        client = client_as(name)
        cameras = {c["id"] for c in client.get("/api/cameras").json()}
        return cameras, {e["id"] for e in client.get(f"/api/events{query}").json()}

    assert listed("officer-1") == ({"cam-1", "cam-2"}, ours)
    assert listed("street-1") == ({"cam-1", "cam-2"}, ours)
    assert listed("officer-2") == ({"cam-9"}, theirs)
    assert listed("street-2") == ({"cam-9"}, theirs)
    assert listed("district") == ({"cam-1", "cam-2", "cam-9"}, ours | theirs)
    assert listed("officer-2", "?camera_id=cam-1") == ({"cam-9"}, set())
    assert listed("officer-2", "?limit=1000&status=new") == ({"cam-9"}, theirs)
    # The incident export holds the same: nothing of fac-1 for an outsider.
    exported = client_as("officer-2").get("/api/incidents.csv").text
    assert "cam-9" in exported and "cam-1" not in exported and "Sunrise" not in exported


def test_the_event_stream_carries_only_events_in_scope(
    live_server: LiveServer,
    tokens: dict[str, str],
    record_with_media: Callable[..., int],
) -> None:
    record_with_media(camera_id="cam-1")  # before: its revision must not show in the snapshot
    headers = {"Authorization": f"Bearer {tokens['officer-2']}"}
    with (
        httpx.Client(base_url=live_server.url, headers=headers, timeout=10) as http,
        http.stream("GET", "/api/events/stream") as response,
    ):
        messages = _sse_messages(response)
        snapshot = next(messages)
        record_with_media(camera_id="cam-1")
        theirs = record_with_media(camera_id="cam-9")
        changed = next(m for m in messages if m["event"] == "event")

    assert json.loads(snapshot["data"]) == {"revision": 0}
    assert json.loads(changed["data"])["id"] == theirs


@pytest.mark.parametrize(
    ("name", "code"),
    [("operator", 403), ("officer-1", 200), ("street-1", 200), ("district", 200), ("admin", 200)],
)
def test_who_may_move_an_event(
    client_as: Callable[[str], TestClient], fac1_event: int, name: str, code: int
) -> None:
    answer = client_as(name).post(f"/api/events/{fac1_event}/acknowledge")
    assert answer.status_code == code, answer.text


def test_who_am_i_and_sign_out(client_as: Callable[[str], TestClient]) -> None:
    client = client_as("street-1")
    me = client.get("/api/auth/me").json()

    assert (me["role"], me["node_kind"], me["node_id"]) == ("street_inspector", "street", "s1")
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize(
    ("name", "facility_ids"),
    [
        ("officer-1", {"fac-1"}),
        ("officer-2", {"fac-2"}),
        ("street-2", {"fac-2"}),
        ("district", {"fac-1", "fac-2"}),
        ("admin", {"fac-1", "fac-2"}),
    ],
)
def test_facilities_in_scope(
    client_as: Callable[[str], TestClient], name: str, facility_ids: set[str]
) -> None:
    facilities = client_as(name).get("/api/facilities").json()
    assert {f["id"] for f in facilities} == facility_ids
    assert all(f["timezone"] == "Asia/Shanghai" for f in facilities)
