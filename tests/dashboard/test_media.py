"""Media serving: only files under the media root, right content types, HTTP ranges."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dashboard.media_files import resolve_media
from dashboard.schemas import media_url
from tests.dashboard.media_helpers import draw_picture, write_h264_clip, write_jpeg


@pytest.fixture
def media_files(media_root: Path, tmp_path: Path) -> Path:
    write_jpeg(media_root / "snapshots" / "a.jpg", draw_picture())
    write_h264_clip(media_root / "clips" / "a.mp4", seconds=1.0)
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
