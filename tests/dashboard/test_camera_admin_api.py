"""Operator camera API: who may, versions and their audit rows, apply, rollback, tests, replays.

The camera control here is the test fake (tests/dashboard/camera_control_fake.py); the real
one over running cameras is tested in tests/carewatch/test_camera_control.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.cameras.versions import VersionKind, save_version
from supervision.events.reads import list_camera_health
from supervision.events.store import EventStore
from supervision.org.scope import Role
from supervision.org.tokens import issue_token
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import create_user
from supervision.tables import AuditEntry
from tests.dashboard.camera_control_fake import FakeCameraControl, camera_config
from tests.dashboard.conftest import FAST_SCRYPT, PASSWORD
from tests.store_calls import read

ClientAs = Callable[[str], TestClient]
CONFIG = "/api/cameras/cam-1/config"


@pytest.fixture(autouse=True)
def seeded(store: EventStore, tokens: dict[str, str]) -> None:
    """Version 1 of cam-1, as start-up seeds it from the settings file."""
    with store.sessions.begin() as session:
        save_version(session, "cam-1", camera_config(), "settings", VersionKind.SEEDED, "seed")


def audit_actions(store: EventStore) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [(r.actor, r.action, r.object_id, r.detail) for r in rows if r.action != "seed"]


def put(client: TestClient, config: dict[str, Any], **extra: Any) -> Any:
    return client.put(CONFIG, json={"config": config, **extra})


@pytest.mark.parametrize(
    ("name", "schema", "add", "test"),
    [
        ("operator", 200, 201, 200),
        ("admin", 200, 201, 200),
        ("officer-1", 200, 403, 403),
        ("street-1", 200, 403, 403),
        ("district", 200, 403, 403),
    ],
)
def test_who_may_add_and_test_cameras(
    client_as: ClientAs, name: str, schema: int, add: int, test: int
) -> None:
    client = client_as(name)
    new = camera_config(f"cam-{name}")

    assert client.get("/api/camera-schema").status_code == schema
    assert client.post("/api/cameras", json={"config": new}).status_code == add
    tested = client.post("/api/cameras/test", json={"source": {"type": "demo"}})
    assert tested.status_code == test
    if test == 200:
        assert tested.headers["content-type"] == "image/jpeg"
        assert tested.content[:2] == b"\xff\xd8"


@pytest.mark.parametrize("name", ["officer-1", "street-1", "district"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", CONFIG, None),
        ("GET", f"{CONFIG}/versions", None),
        ("GET", "/api/cameras/cam-1/snapshot.jpg", None),
        ("PUT", CONFIG, {"config": camera_config(name="x")}),
        ("POST", f"{CONFIG}/rollback", {"version": 1}),
        ("POST", "/api/cameras/cam-1/replay", {"config": camera_config()}),
    ],
)
def test_roles_that_only_watch_get_403_in_their_scope(
    client_as: ClientAs, store: EventStore, name: str, method: str, path: str, body: Any
) -> None:
    answer = client_as(name).request(method, path, json=body)
    assert answer.status_code == 403, answer.text
    assert audit_actions(store) == []


def test_an_edit_is_a_new_version_applied_and_audited(
    client_as: ClientAs, store: EventStore, camera_control: FakeCameraControl
) -> None:
    client = client_as("operator")
    zones = [{"id": "exit-1", "kind": "exit", "polygon": [[0, 0], [1, 0], [1, 1]]}]

    thresholds = put(client, camera_config(fall={"confirm_s": 2.0}), base_version=1, note="why")
    drawn = put(client, camera_config(fall={"confirm_s": 2.0}, zones=zones))
    renamed = put(client, camera_config(fall={"confirm_s": 2.0}, zones=zones, name="Hall"))

    assert [r.status_code for r in (thresholds, drawn, renamed)] == [200, 200, 200]
    assert [r.json()["version"] for r in (thresholds, drawn, renamed)] == [2, 3, 4]
    assert thresholds.json()["note"] == "why" and thresholds.json()["actor"] == "operator"
    assert camera_control.applied["cam-1"]["name"] == "Hall"
    assert {c.id: c.name for c in read(store, list_camera_health)}["cam-1"] == "Hall"
    assert [(action, detail["changed"]) for _, action, _, detail in audit_actions(store)] == [
        ("thresholds_change", ["fall"]),
        ("zones_change", ["zones"]),
        ("camera_edit", ["name"]),
    ]
    assert client.get(CONFIG).json()["version"] == 4
    assert [v["version"] for v in client.get(f"{CONFIG}/versions").json()] == [4, 3, 2, 1]


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"config": camera_config()}, 200, None),  # unchanged: version 1 stays, nothing stored
        ({"config": camera_config(name="")}, 422, "name: Field required"),
        ({"config": camera_config("cam-2")}, 422, "id: a camera's id cannot change"),
        ({"config": camera_config(name="x"), "base_version": 0}, 409, "is at version 1, not 0"),
        ({"config": camera_config(facility="fac-404")}, 422, "facility: unknown facility"),
        ({"config": {}, "note": "bad\x00"}, 422, None),
    ],
)
def test_edits_that_store_nothing(
    client_as: ClientAs,
    store: EventStore,
    camera_control: FakeCameraControl,
    body: dict[str, Any],
    code: int,
    message: str | None,
) -> None:
    answer = client_as("operator").put(CONFIG, json=body)

    assert answer.status_code == code, answer.text
    if message is not None:
        assert message in answer.json()["detail"]
    assert [v["version"] for v in client_as("operator").get(f"{CONFIG}/versions").json()] == [1]
    assert audit_actions(store) == [] and camera_control.applied == {}


def test_a_camera_that_refuses_the_configuration_leaves_no_version(
    client_as: ClientAs, store: EventStore, camera_control: FakeCameraControl
) -> None:
    camera_control.refuse = "source: cannot open the stream"
    answer = put(client_as("operator"), camera_config(name="Hall"))

    assert (answer.status_code, answer.json()["detail"]) == (422, camera_control.refuse)
    assert client_as("operator").get(CONFIG).json()["version"] == 1
    assert audit_actions(store) == []


def test_rollback_runs_an_old_version_as_a_new_one(
    client_as: ClientAs, store: EventStore, camera_control: FakeCameraControl
) -> None:
    client = client_as("operator")
    put(client, camera_config(fall={"confirm_s": 3.0}))

    back = client.post(f"{CONFIG}/rollback", json={"version": 1, "note": "too quiet"})
    again = client.post(f"{CONFIG}/rollback", json={"version": 1})
    missing = client.post(f"{CONFIG}/rollback", json={"version": 9})

    assert back.status_code == 200, back.text
    assert (back.json()["version"], back.json()["kind"], back.json()["rolled_back_to"]) == (
        3,
        "rolled_back",
        1,
    )
    assert again.json()["version"] == 3  # already running version 1's configuration
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "camera 'cam-1' has no version 9",
    )
    assert camera_control.applied["cam-1"] == camera_config()
    actions = [(action, detail) for _, action, _, detail in audit_actions(store)]
    assert actions[-1] == (
        "camera_rollback",
        {"version": 3, "kind": "rolled_back", "changed": ["fall"], "rolled_back_to": 1},
    )


def test_a_new_camera_gets_its_row_version_1_and_runs(
    client_as: ClientAs, store: EventStore, camera_control: FakeCameraControl
) -> None:
    client = client_as("operator")
    new = camera_config("cam-new", name="Garden", source={"type": "url", "url": "rtsp://x/1"})

    added = client.post("/api/cameras", json={"config": new, "note": "new wing"})
    twice = client.post("/api/cameras", json={"config": new})

    assert added.status_code == 201, added.text
    assert (added.json()["version"], added.json()["kind"]) == (1, "created")
    assert twice.status_code == 409 and "already exists" in twice.json()["detail"]
    assert camera_control.applied["cam-new"]["name"] == "Garden"
    assert "cam-new" in {c["id"] for c in client_as("street-1").get("/api/cameras").json()}
    assert "cam-new" not in {c["id"] for c in client_as("officer-2").get("/api/cameras").json()}
    assert audit_actions(store)[0][:3] == ("operator", "camera_add", "cam-new")


def test_source_test_answers_why_it_failed(client_as: ClientAs) -> None:
    answer = client_as("operator").post("/api/cameras/test", json={"source": {"type": "url"}})
    assert (answer.status_code, answer.json()["detail"]) == (422, "source: cannot open 'url'")


def test_every_source_test_is_audited_without_its_password(
    client_as: ClientAs, store: EventStore
) -> None:
    client = client_as("operator")
    url = "rtsp://admin:s3cret@10.0.0.5/live?channel=1&pwd=s3cret"
    refused = client.post(
        "/api/cameras/test", json={"source": {"type": "url", "url": url}, "camera_id": "cam-1"}
    )
    opened = client.post("/api/cameras/test", json={"source": {"type": "demo"}})

    assert (refused.status_code, opened.status_code) == (422, 200)
    assert audit_actions(store) == [
        (
            "operator",
            "camera_source_test",
            "cam-1",
            {
                "type": "url",
                "source": "url rtsp://***@10.0.0.5/live?channel=1&pwd=***",
                "result": "source: cannot open 'url'",
            },
        ),
        (
            "operator",
            "camera_source_test",
            None,
            {"type": "demo", "source": "demo", "result": "ok"},
        ),
    ]
    assert "s3cret" not in str(audit_actions(store))


def test_snapshot_is_the_cameras_picture(client_as: ClientAs, live_feed: StaticLiveFeed) -> None:
    client = client_as("operator")
    picture = client.get("/api/cameras/cam-1/snapshot.jpg")
    none_yet = client.get("/api/cameras/cam-2/snapshot.jpg")

    assert (picture.status_code, picture.headers["content-type"]) == (200, "image/jpeg")
    assert (none_yet.status_code, none_yet.json()["detail"]) == (
        404,
        "no picture from camera 'cam-2' yet",
    )


def test_replay_runs_over_the_newest_clips_and_is_audited(
    client_as: ClientAs, store: EventStore, record_with_media: Callable[..., int]
) -> None:
    events = [record_with_media(camera_id="cam-1") for _ in range(7)]
    record_with_media(camera_id="cam-2")

    answer = client_as("operator").post(
        "/api/cameras/cam-1/replay", json={"config": camera_config()}
    )

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [c["event_id"] for c in result["clips"]] == events[::-1][:5]  # replay_max_clips
    assert result["counts"] == {"kept": 0, "new": 0, "dropped": 0}
    assert audit_actions(store)[-1][1:] == (
        "camera_replay",
        "cam-1",
        {"clips": 5, "kept": 0, "new": 0, "dropped": 0},
    )


def test_an_operator_limited_to_a_facility_sees_only_its_cameras(
    store: EventStore, app: Any, client_as: ClientAs
) -> None:
    with store.sessions.begin() as session:
        user = create_user(
            session,
            "op-2",
            PASSWORD,
            Role.OPERATOR,
            NodeRef(NodeKind.FACILITY, "fac-2"),
            params=FAST_SCRYPT,
        )
        token = issue_token(session, user.id, ttl_s=600).token
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        read = client.get(CONFIG)
        added = client.post("/api/cameras", json={"config": camera_config("cam-x")})
        theirs = client.post(
            "/api/cameras", json={"config": camera_config("cam-y", facility="fac-2")}
        )

    assert (read.status_code, read.json()["detail"]) == (404, "camera 'cam-1' not found")
    assert (added.status_code, added.json()["detail"]) == (
        422,
        "facility: unknown facility 'fac-1'",
    )
    assert theirs.status_code == 201


def test_without_camera_control_the_routes_say_so(
    store: EventStore, live_feed: StaticLiveFeed, media_root: Path, tokens: dict[str, str]
) -> None:
    app = create_app(DashboardConfig(), store, live_feed, media_root)
    headers = {"Authorization": f"Bearer {tokens['operator']}"}
    with TestClient(app, headers=headers) as client:
        schema = client.get("/api/camera-schema")
        edit = put(client, camera_config(name="Hall"))
        read = client.get(CONFIG)

    assert (schema.status_code, schema.json()["detail"]) == (503, "camera control not available")
    assert edit.status_code == 503
    assert read.status_code == 200  # stored versions are readable without running cameras
