"""A real full disk for tests: a small tmpfs mounted as root, filled to the last byte."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILLER = "filler.bin"


def need_mount_rights() -> None:
    """Skip without root, with the reason; in CI (which runs as root) a skip is a failure."""
    if os.geteuid() == 0:
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the disk-full tests as root (they mount a tmpfs)")
    pytest.skip("disk-full tests mount a tmpfs: run as root")


@contextmanager
def small_disk(path: Path, size_bytes: int) -> Iterator[Path]:
    """`path` as a tmpfs of `size_bytes`, unmounted (and emptied) afterwards."""
    need_mount_rights()
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path, leave_bytes: int = 0) -> Path:
    """Write a filler file until the disk under `folder` is full (or `leave_bytes` remain)."""
    filler = folder / FILLER
    chunk = b"\0" * 65536
    with filler.open("ab") as file:
        while True:
            free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
            if free <= leave_bytes:
                break
            try:
                file.write(chunk[: max(1, min(len(chunk), free - leave_bytes))])
                file.flush()
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
    return filler


def free_up(folder: Path) -> None:
    (folder / FILLER).unlink(missing_ok=True)
