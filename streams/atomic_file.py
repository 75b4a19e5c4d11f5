"""Writing media files: a failed write closes its descriptor and leaves no partial file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO


class MuxerFile:
    """A file PyAV's muxer writes through: the caller owns the descriptor and closes it when
    writing fails (PyAV 18 leaks the one it opens itself when an MP4 header cannot be written).

    The first OSError is raised to PyAV, which raises it from the call that wrote; later
    writes are dropped, so that closing the container does not stack more errors (PyAV
    prints each dropped one to stderr).
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.name = raw.name  # FFmpeg reopens the file by name to move the index first
        self.error: OSError | None = None

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def write(self, data: bytes) -> int:
        if self.error is None:
            try:
                return write_all(self.raw, data)
            except OSError as error:
                self.error = error
                raise
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self.error is None:
            try:
                return self.raw.seek(offset, whence)
            except OSError as error:
                self.error = error
                raise
        return self.raw.tell()

    def tell(self) -> int:
        return self.raw.tell()

    def read(self, size: int = -1) -> bytes:
        return self.raw.read(size)

    def raise_first_error(self) -> None:
        """The first error again, where PyAV swallowed it or reported it as its own."""
        if self.error is not None:
            raise self.error


def write_all(raw: BinaryIO, data: bytes) -> int:
    """Writes all of `data` (an unbuffered file may take part of it), or raises."""
    view, written = memoryview(data), 0
    while written < len(data):
        count = raw.write(view[written:])
        if not count:
            raise OSError(f"wrote {written} of {len(data)} bytes")
        written += count
    return written


def remove_quietly(path: Path) -> None:
    # A file that could not be made (a read-only disk, no permission) is not there to remove.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
