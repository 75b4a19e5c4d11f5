"""Which sources a camera may read: files under the video folders, camera URLs, capture devices.

An operator's "Test connection" and camera edits open what they name on the server: without
these checks a browser could read any file the service can and probe any address it reaches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from streams._pyav import redact_url
from streams.config import FileSourceConfig, SourceConfig, UsbSourceConfig

_CAPTURE_DEVICE = re.compile(r"/dev/video[0-9]+")
LABEL_MAX_CHARS = 300


def allowed_source(
    source: SourceConfig, video_folders: Sequence[Path], where: str = "source"
) -> SourceConfig:
    """`source` with a file's path resolved, if it may be opened; ValueError naming the field
    (`where` is the source's own path, e.g. cameras[2].source) and why not.

    URLs are held to camera schemes by UrlSourceConfig itself.
    """
    if isinstance(source, FileSourceConfig):
        path = allowed_file(source.path, video_folders, f"{where}.path")
        return source.model_copy(update={"path": str(path)})
    if isinstance(source, UsbSourceConfig):
        check_capture_device(source.device, f"{where}.device")
    return source


def allowed_file(path_text: str, video_folders: Sequence[Path], field: str) -> Path:
    """The file `path_text` names, resolved (symlinks, `..`), if it lies under a video folder.

    The message repeats the path as given, never where a link leads.
    """
    path = _resolved(Path(path_text))
    folders = [folder for folder in map(_resolved, video_folders) if folder is not None]
    if path is not None and any(path.is_relative_to(folder) for folder in folders):
        return path
    if not video_folders:
        raise ValueError(f"{field}: file sources are off (storage.video_folders is empty)")
    named = ", ".join(str(folder) for folder in video_folders)
    raise ValueError(
        f"{field}: {path_text!r} is not under a video folder (storage.video_folders: {named})"
    )


def check_capture_device(device: int | str, field: str) -> None:
    """A capture device: an index, or a path leading to /dev/videoN (OpenCV would open any
    file or URL given as a device)."""
    if isinstance(device, int) or device.isdigit():
        return
    resolved = _resolved(Path(device))
    if resolved is None or not _CAPTURE_DEVICE.fullmatch(str(resolved)):
        raise ValueError(
            f"{field}: {device!r} is not a capture device (an index, or a path such as "
            "/dev/video0 or /dev/v4l/by-id/...)"
        )


def source_label(source: Mapping[str, Any]) -> str:
    """What a source (as sent, not yet validated) reads, for the audit log: a URL without
    its password, a file's path, a device."""
    kind = str(source.get("type"))
    field = {"url": "url", "file": "path", "usb": "device"}.get(kind)
    target = None if field is None else source.get(field)
    text = kind if target is None else f"{kind} {target}"
    return redact_url(text)[:LABEL_MAX_CHARS]


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return None
