"""The real CameraControl over a running Service: versions seeded and preferred, one camera
restarted with its new thresholds while the others go on, source tests, snapshots, schema."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from carewatch.config import Settings, parse_settings
from carewatch.run.camera_control import ServiceCameraControl, grab_picture, parse_source
from carewatch.run.service import Service
from dashboard.app import create_app
from streams.config import FileSourceConfig, UrlSourceConfig
from streams.health import CameraState
from supervision.cameras.versions import VersionKind, add_camera, list_versions, save_version
from supervision.events.reads import list_camera_health
from supervision.org.passwords import ScryptParams
from supervision.org.scope import Role
from supervision.org.tokens import issue_token
from supervision.org.users import create_user
from supervision.tables import AuditEntry
from tests.store_calls import read
from tests.vision import rule_videos as videos
from tests.vision.rule_videos import Script
from vision.config import FallThresholds

FAST_SCRYPT = ScryptParams(log2_n=4, r=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def camera(camera_id: str, clip: Path, **changes: Any) -> dict[str, Any]:
    source = {"type": "file", "path": str(clip), "loop": True}
    return {"id": camera_id, "name": camera_id.title(), "facility": "home", "source": source,
            "analysis_fps": 4, **changes}  # fmt: skip


def make_settings(data: Path, cameras: list[dict[str, Any]], database_url: str) -> Settings:
    return parse_settings(
        {
            "facilities": [{"id": "home", "name": "Home"}],
            "cameras": cameras,
            "storage": {"data_dir": str(data)},
            "database": {"url": database_url},
            "models": {"fire": False, "second_opinion": False, "threads": 1},
        }
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corridor")
    return videos.write_scripted(folder / "corridor.mp4", Script(4.0))


@pytest.fixture
def settings(tmp_path: Path, clip: Path, database_url: str) -> Settings:
    cameras = [camera("hall", clip), camera("room", clip)]
    return make_settings(tmp_path / "data", cameras, database_url)


@contextmanager
def started(settings: Settings) -> Iterator[Service]:
    service = Service(settings)
    service.start()
    try:
        yield service
    finally:
        service.stop()


@contextmanager
def operator_client(service: Service) -> Iterator[TestClient]:
    """The dashboard over the running service, signed in as an operator."""
    with service.store.sessions.begin() as session:
        user = create_user(session, "op", "op password", Role.OPERATOR, None, params=FAST_SCRYPT)
        token = issue_token(session, user.id, ttl_s=600).token
    control = ServiceCameraControl(service)
    media = service.settings.storage.media_dir
    app = create_app(
        service.settings.dashboard, service.store, service, media, camera_control=control
    )
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture
def running(settings: Settings) -> Iterator[Service]:
    with started(settings) as service:
        yield service


@pytest.fixture
def api(running: Service) -> Iterator[TestClient]:
    with operator_client(running) as client:
        yield client


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory, clip: Path) -> Iterator[TestClient]:
    """One service for the tests that change nothing.

    On its own SQLite file even when CAREWATCH_TEST_DATABASE_URL is set: that database is
    emptied before each test, under this module-long service. These tests check the schema,
    validation and source probing; the tests above run the database part on both.
    """
    data = tmp_path_factory.mktemp("shared") / "data"
    settings = make_settings(data, [camera("hall", clip)], f"sqlite:///{data / 'carewatch.db'}")
    with started(settings) as service, operator_client(service) as client:
        yield client


def wait_for(condition: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not met within {timeout_s} s")


def stored(service: Service, camera_id: str) -> list[tuple[int, str, str]]:
    with service.store.sessions() as session:
        return [(v.version, v.kind, v.actor) for v in list_versions(session, camera_id)]


def analysing(service: Service, camera_id: str) -> Callable[[], bool]:
    runner = service.cameras[camera_id]
    start = runner.frames_analysed
    return lambda: runner.frames_analysed >= start + 2


def test_the_file_seeds_version_1_then_the_database_runs(
    settings: Settings, clip: Path, tmp_path: Path
) -> None:
    with started(settings) as first:
        garden = ServiceCameraControl(first).validate(camera("garden", clip, name="Garden"))
    with first.store.sessions.begin() as session:
        edited = camera("hall", clip, fall={"confirm_s": 3.0})
        save_version(session, "hall", edited, "op", VersionKind.EDITED, "thresholds_change")
        add_camera(session, "garden", "home", "Garden", "file")
        save_version(session, "garden", garden, "op", VersionKind.CREATED, "camera_add")

    # The file now lists hall only: room (seeded from the file) goes, garden (added) stays.
    restarted = make_settings(tmp_path / "data", [camera("hall", clip)], settings.database.url)
    with started(restarted) as second:
        assert stored(second, "room") == [(1, "seeded", "settings")]
        assert [v for v, *_ in stored(second, "hall")] == [2, 1]
        assert list(second.cameras) == ["hall", "garden"]
        assert second.cameras["hall"].analyzer.config.fall.confirm_s == 3.0
        assert {c.id: c.name for c in read(second.store, list_camera_health)}["garden"] == "Garden"


def test_applying_restarts_only_that_camera_with_its_new_thresholds(
    running: Service, api: TestClient, clip: Path
) -> None:
    wait_for(analysing(running, "hall"))
    old_hall, room = running.cameras["hall"], running.cameras["room"]

    answer = api.put(
        "/api/cameras/hall/config", json={"config": camera("hall", clip, fall={"confirm_s": 3.0})}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2
    hall = running.cameras["hall"]
    assert hall is not old_hall and running.cameras["room"] is room
    assert hall.analyzer.config.fall.confirm_s == 3.0
    assert old_hall.reader.state is CameraState.STOPPED
    wait_for(analysing(running, "hall"))
    wait_for(analysing(running, "room"))

    back = api.post("/api/cameras/hall/config/rollback", json={"version": 1})
    assert (back.status_code, back.json()["version"]) == (200, 3)
    assert running.cameras["hall"].analyzer.config.fall.confirm_s == FallThresholds().confirm_s
    assert running.cameras["room"] is room
    assert stored(running, "hall") == [
        (3, "rolled_back", "op"),
        (2, "edited", "op"),
        (1, "seeded", "settings"),
    ]
    with running.store.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["thresholds_change", "camera_rollback"]


def test_a_camera_added_in_the_dashboard_runs_at_once(running: Service, api: TestClient) -> None:
    new = {"id": "garden", "name": "Garden", "facility": "home",
           "source": {"type": "demo", "width": 320, "height": 180}, "analysis_fps": 2}  # fmt: skip
    added = api.post("/api/cameras", json={"config": new})

    assert added.status_code == 201, added.text
    assert "garden" in running.camera_ids()
    wait_for(analysing(running, "garden"))
    picture = wait_for(lambda: api.get("/api/cameras/garden/snapshot.jpg").content)
    image = cv2.imdecode(np.frombuffer(picture, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (180, 320, 3)
    assert "garden" in {c["id"] for c in api.get("/api/cameras").json()}


def test_schema_carries_descriptions_and_bounds(shared_api: TestClient) -> None:
    schema = shared_api.get("/api/camera-schema").json()
    fall = schema["$defs"]["FallThresholds"]["properties"]["confirm_s"]
    assert fall["description"] == "At rest and down this long confirms a fall."
    assert (fall["minimum"], fall["maximum"]) == (0.0, 10.0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fall": {"confirm_s": 99}}, "fall.confirm_s: Input should be less than or equal to 10"),
        ({"facility": "elsewhere"}, "facility: unknown facility 'elsewhere'"),
        (
            {"zones": [{"id": "z", "kind": "exit", "polygon": [[0, 0], [2, 0], [1, 1]]}]},
            "zones[0].polygon: corner 1 (2.0, 0.0) is outside [0, 1]",
        ),
        ({"source": {"type": "url", "url": "ftp://x"}}, "source.url: scheme 'ftp' is not a camera"),
        (
            {"source": {"type": "file", "path": "/etc/passwd"}},
            "source.path: '/etc/passwd' is not under a video folder",
        ),
        (
            {"source": {"type": "usb", "device": "/etc/passwd"}},
            "source.device: '/etc/passwd' is not a capture device",
        ),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_an_invalid_configuration_is_refused_naming_the_field(
    shared_api: TestClient, clip: Path, changes: dict[str, Any], message: str
) -> None:
    answer = shared_api.put(
        "/api/cameras/hall/config", json={"config": camera("hall", clip, **changes)}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(message)


def test_source_test_through_the_api(shared_api: TestClient, clip: Path) -> None:
    source = {"type": "file", "path": str(clip)}
    good = shared_api.post("/api/cameras/test", json={"source": source})
    missing = clip.parent / "missing.mp4"
    bad = shared_api.post(
        "/api/cameras/test", json={"source": {"type": "file", "path": str(missing)}}
    )

    assert (good.status_code, good.headers["content-type"]) == (200, "image/jpeg")
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        f"source: video file not found: {missing}",
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"type": "file", "path": "/etc/passwd"}, "source.path: '/etc/passwd' is not under a"),
        ({"type": "file", "path": "{folder}/../../etc/passwd"}, "source.path: '{folder}/../.."),
        ({"type": "file", "path": "{folder}/escape.mp4"}, "source.path: '{folder}/escape.mp4' is"),
        ({"type": "url", "url": "file:///etc/passwd"}, "source.url: scheme 'file' is not a camera"),
        ({"type": "url", "url": "data:video/mp4;base64,AAAA"}, "source.url: this is not a camera"),
        ({"type": "usb", "device": "/etc/passwd"}, "source.device: '/etc/passwd' is not a capture"),
        ({"type": "usb", "device": "http://10.0.0.1/"}, "source.device: 'http://10.0.0.1/' is not"),
    ],
)
def test_source_test_opens_only_video_folders_and_camera_urls(
    shared_api: TestClient, clip: Path, source: dict[str, str], message: str
) -> None:
    folder = str(clip.parent)
    escape = clip.parent / "escape.mp4"  # a link in the folder to a file outside it
    if not escape.is_symlink():
        escape.symlink_to("/etc/hostname")
    source = {key: value.replace("{folder}", folder) for key, value in source.items()}

    answer = shared_api.post("/api/cameras/test", json={"source": source, "camera_id": "hall"})

    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(message.replace("{folder}", folder))
    assert "/etc/hostname" not in answer.text  # where the link leads is not told


def test_grab_picture_from_a_file(clip: Path) -> None:
    picture = grab_picture(FileSourceConfig(path=str(clip)), timeout_s=10)
    assert picture.shape == (videos.HEIGHT, videos.WIDTH, 3)


def test_a_dead_stream_is_named_quickly() -> None:
    url = f"rtsp://127.0.0.1:{free_port()}/stream"
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"^source: cannot open rtsp://127\.0\.0\.1:\d+/stream"):
        grab_picture(UrlSourceConfig(url=url, open_timeout_s=1), timeout_s=10)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({}, "source: Unable to extract tag using discriminator 'type'"),
        ({"type": "ftp"}, "source: Input tag 'ftp' found using 'type' does not match"),
        ({"type": "url", "url": "file:///etc"}, "source.url: scheme 'file' is not a camera URL"),
    ],
)
def test_parse_source_names_the_field(source: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_source(source)
