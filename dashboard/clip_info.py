"""The frame rate of a stored clip, read from its header (for frame stepping in the player)."""

from __future__ import annotations

import functools
from pathlib import Path

import av

from dashboard.media_files import resolve_media


def clip_fps(media_root: Path, clip_path: str | None) -> float | None:
    """Frames per second of the clip under the media root; None without a readable clip."""
    if not clip_path:
        return None
    found = resolve_media(media_root, clip_path)
    if found is None:
        return None
    path = found[0]
    try:
        stat = path.stat()
    except OSError:
        return None
    return _probe(str(path), stat.st_mtime_ns, stat.st_size)


# Keyed by mtime and size as well, so a clip rewritten in place is read again.
@functools.lru_cache(maxsize=1024)
def _probe(path: str, _mtime_ns: int, _size: int) -> float | None:
    try:
        with av.open(path) as container:
            streams = container.streams.video
            rate = streams[0].average_rate if streams else None
    except (av.FFmpegError, OSError):
        return None
    return None if not rate else round(float(rate), 3)
