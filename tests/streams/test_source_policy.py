"""Which sources may be read: files under the video folders (resolved), camera URLs, capture
devices; what the audit log keeps of a source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from streams._pyav import redact_url
from streams.config import (
    DemoSourceConfig,
    FileSourceConfig,
    SourceConfig,
    UrlSourceConfig,
    UsbSourceConfig,
)
from streams.source_policy import allowed_source, source_label

SOURCE = TypeAdapter[SourceConfig](SourceConfig)


@pytest.fixture
def videos(tmp_path: Path) -> Path:
    """tmp/videos with a.mp4, a link to a file outside it, and a secret beside it."""
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(b"")
    (tmp_path / "secret.txt").write_text("secret")
    (folder / "link.mp4").symlink_to(tmp_path / "secret.txt")
    (folder / "inner").symlink_to(folder)  # a link that stays inside
    return folder


@pytest.mark.parametrize(
    ("path", "resolved"),
    [
        ("{videos}/a.mp4", "{videos}/a.mp4"),
        ("{videos}/inner/a.mp4", "{videos}/a.mp4"),
        ("{videos}/../videos/a.mp4", "{videos}/a.mp4"),
        ("{videos}/not-yet.mp4", "{videos}/not-yet.mp4"),  # its test then says "not found"
    ],
)
def test_a_file_under_a_video_folder_is_opened_at_its_resolved_path(
    videos: Path, path: str, resolved: str
) -> None:
    source = FileSourceConfig(path=path.format(videos=videos))
    checked = allowed_source(source, [videos])
    assert isinstance(checked, FileSourceConfig)
    assert checked.path == resolved.format(videos=videos.resolve())


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "{videos}/../secret.txt", "{videos}/link.mp4", "{videos}/..", "a.mp4", "\x00"],
)
def test_a_file_elsewhere_is_refused_naming_the_field(videos: Path, path: str) -> None:
    text = path.format(videos=videos)
    with pytest.raises(ValueError) as refused:
        allowed_source(FileSourceConfig(path=text), [videos], "cameras[1].source")
    assert str(refused.value) == (
        f"cameras[1].source.path: {text!r} is not under a video folder "
        f"(storage.video_folders: {videos})"
    )


def test_no_video_folders_means_no_file_sources(videos: Path) -> None:
    with pytest.raises(ValueError, match=r"^source.path: file sources are off"):
        allowed_source(FileSourceConfig(path=str(videos / "a.mp4")), [])


@pytest.mark.parametrize(
    ("device", "allowed"),
    [
        (0, True),
        ("2", True),
        ("/dev/video0", True),
        ("/dev/video12", True),
        ("/dev/sda", False),
        ("/dev/../etc/passwd", False),
        ("/etc/passwd", False),
        ("rtsp://10.0.0.1/x", False),
        ("", False),
    ],
)
def test_a_capture_device_is_an_index_or_a_video_device(device: int | str, allowed: bool) -> None:
    source = UsbSourceConfig(device=device)
    if allowed:
        assert allowed_source(source, []) == source
    else:
        with pytest.raises(ValueError, match=r"^source.device: .* is not a capture device"):
            allowed_source(source, [])


def test_urls_and_demo_pass_unchanged() -> None:
    url, demo = UrlSourceConfig(url="rtsp://cam/x"), DemoSourceConfig()
    assert (allowed_source(url, []), allowed_source(demo, [])) == (url, demo)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("rtsp://admin:pw@10.0.0.5:554/Streaming/101", None),
        ("rtsps://cam/x", None),
        ("http://cam/video.mjpg", None),
        ("https://cam/live.m3u8", None),
        ("rtmp://cam/live", None),
        ("file:///etc/passwd", "scheme 'file' is not a camera URL"),
        ("ftp://10.0.0.1/x", "scheme 'ftp' is not a camera URL"),
        ("HTTP://cam/x", "scheme 'HTTP' is not a camera URL"),
        ("data:video/mp4;base64,AAAA", "this is not a camera URL"),
        ("/etc/passwd", "this is not a camera URL"),
        ("", "this is not a camera URL"),
        ("http://cam/x\r\nHost: other", "a camera URL has no spaces or control characters"),
        ("http:///x", "the URL names no host"),
        ("rtsp://user:secret@/x", "the URL names no host"),
    ],
)
def test_camera_urls_have_camera_schemes(url: str, reason: str | None) -> None:
    if reason is None:
        assert SOURCE.validate_python({"type": "url", "url": url}).url == url  # type: ignore[union-attr]
        return
    with pytest.raises(ValidationError) as refused:
        SOURCE.validate_python({"type": "url", "url": url})
    error = refused.value.errors()[0]
    assert error["loc"] == ("url", "url") and reason in error["msg"]
    assert "secret" not in error["msg"]


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ({"type": "url", "url": "rtsp://admin:s3cret@10.0.0.5/x"}, "url rtsp://***@10.0.0.5/x"),
        (
            {"type": "url", "url": "http://cam/v.cgi?user=a&pwd=s3cret"},
            "url http://cam/v.cgi?user=a&pwd=***",
        ),
        ({"type": "file", "path": "/srv/videos/a.mp4"}, "file /srv/videos/a.mp4"),
        ({"type": "usb", "device": 0}, "usb 0"),
        ({"type": "demo"}, "demo"),
        ({}, "None"),
        ({"type": "url", "url": "rtsp://cam/" + "x" * 500}, "url rtsp://cam/" + "x" * 285),
    ],
)
def test_source_label_for_the_audit_log(source: dict[str, Any], label: str) -> None:
    assert source_label(source) == label


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:p@ss@10.0.0.5/x", "rtsp://***@10.0.0.5/x"),
        ("rtsp://10.0.0.5/a@b", "rtsp://10.0.0.5/a@b"),
        (
            "http://cam/x?Password=a&token=b;key=c#f",
            "http://cam/x?Password=***&token=***;key=***#f",
        ),
        ("http://cam/x?keyframe=1", "http://cam/x?keyframe=1"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
