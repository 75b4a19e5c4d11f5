"""Media serving: only files under the media root, right content types, HTTP ranges."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.media_files import resolve_media
from dashboard.schemas.common import media_url
from supervision.events.store import EventStore
from supervision.tables import AuditEntry
from tests.dashboard.media_helpers import draw_picture, write_h264_clip, write_jpeg
from vision.events import SafetyEvent


@pytest.fixture
def media_files(
    media_root: Path, tmp_path: Path, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> Path:
    """a.jpg and a.mp4 belong to an event of cam-1; b.jpg exists but no event names it."""
    write_jpeg(media_root / "snapshots" / "a.jpg", draw_picture())
    write_h264_clip(media_root / "clips" / "a.mp4", seconds=1.0)
    write_jpeg(media_root / "snapshots" / "b.jpg", draw_picture())
    event = make_event(camera_id="cam-1")
    store.record_event(event)
    store.attach_media(event.key, snapshot_path="snapshots/a.jpg", clip_path="clips/a.mp4")
    (media_root / "notes.txt").write_text("not media")
    write_jpeg(tmp_path / "secret.jpg", draw_picture())
    os.symlink(tmp_path / "secret.jpg", media_root / "snapshots" / "escape.jpg")
    return media_root


@pytest.mark.parametrize(
    ("relative", "media_type"),
    [
        ("", None),
        ("snapshots/a.jpg", "image/jpeg"),
        ("clips/a.mp4", "video/mp4"),
        ("clips/missing.mp4", None),
        ("snapshots", None),
        ("notes.txt", None),
        ("../secret.jpg", None),
        ("snapshots/../../secret.jpg", None),
        ("snapshots/escape.jpg", None),
        ("/etc/passwd", None),
        ("bad\0name.jpg", None),
    ],
    ids=repr,
)
def test_resolve_media(media_files: Path, relative: str, media_type: str | None) -> None:
    found = resolve_media(media_files, relative)
    assert (None if found is None else found[1]) == media_type


@pytest.mark.parametrize(
    ("stored", "url"),
    [
        (None, None),
        ("", None),
        ("clips/a.mp4", "/media/clips/a.mp4"),
        ("{root}/snapshots/a.jpg", "/media/snapshots/a.jpg"),
        ("/elsewhere/a.jpg", None),
    ],
    ids=repr,
)
def test_media_url(media_root: Path, stored: str | None, url: str | None) -> None:
    root = media_root.resolve()
    assert media_url(None if stored is None else stored.format(root=root), root) == url


@pytest.mark.parametrize(
    "path",
    [
        "/media/..%2Fsecret.jpg",
        "/media/snapshots/..%2F..%2Fsecret.jpg",
        "/media/%2E%2E/secret.jpg",
        "/media/snapshots/escape.jpg",
        "/media/notes.txt",
        "/media/clips/missing.mp4",
        "/media/snapshots/b.jpg",
    ],
)
def test_outside_or_unknown_is_404(client: TestClient, media_files: Path, path: str) -> None:
    assert client.get(path).status_code == 404


def test_snapshot_is_served_as_jpeg(client: TestClient, media_files: Path) -> None:
    response = client.get("/media/snapshots/a.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content[:2] == b"\xff\xd8"


def test_clip_supports_range_requests(client: TestClient, media_files: Path) -> None:
    size = (media_files / "clips" / "a.mp4").stat().st_size

    whole = client.get("/media/clips/a.mp4")
    head = client.get("/media/clips/a.mp4", headers={"Range": "bytes=0-99"})
    tail = client.get("/media/clips/a.mp4", headers={"Range": "bytes=-10"})
    beyond = client.get("/media/clips/a.mp4", headers={"Range": f"bytes={size + 5}-"})

    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    assert head.status_code == 206
    assert head.headers["content-range"] == f"bytes 0-99/{size}"
    assert head.content == whole.content[:100]
    assert tail.content == whole.content[-10:]
    assert beyond.status_code == 416


def test_media_of_another_facility_is_404_alike(
    client_as: Callable[[str], TestClient], media_files: Path
) -> None:
    answers = {
        name: client_as(name).get("/media/clips/a.mp4").status_code
        for name in ("officer-1", "street-1", "district", "admin", "officer-2", "street-2")
    }
    unsigned = TestClient(client_as("admin").app).get("/media/clips/a.mp4")

    assert answers == {
        "officer-1": 200,
        "street-1": 200,
        "district": 200,
        "admin": 200,
        "officer-2": 404,
        "street-2": 404,
    }
    assert unsigned.status_code == 401


def test_clip_views_and_downloads_are_audited_once_per_play(
    client: TestClient, media_files: Path, store: EventStore
) -> None:
    client.get("/media/clips/a.mp4", headers={"Range": "bytes=0-"})
    client.get("/media/clips/a.mp4", headers={"Range": "bytes=100-199"})  # a seek
    client.get("/media/snapshots/a.jpg")
    download = client.get("/media/clips/a.mp4?download=true")

    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        seen = [(r.actor, r.action, r.object_type, r.detail["path"]) for r in rows]

    assert download.headers["content-disposition"] == 'attachment; filename="a.mp4"'
    assert seen == [
        ("officer-1", "clip_view", "event", "clips/a.mp4"),
        ("officer-1", "clip_export", "event", "clips/a.mp4"),
    ]
