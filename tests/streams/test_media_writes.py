"""Snapshots and clips on a real full or read-only disk: no partial file, no leaked descriptor,
the failure logged once per cause, writing again once there is room."""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streams.clips import ClipEvent, ClipRecorder, ClipResult, write_clip, write_snapshot
from streams.config import ClipConfig
from streams.media_writes import MediaWriteHealth, failure_cause
from streams.ringbuffer import RingBuffer
from tests.disk_full import fill, free_up, small_disk

DISK_BYTES = 1 << 20
# Noise: a clip of some 300 KB, more than the free space the tests leave.
NOISE = np.random.default_rng(7).integers(0, 256, (10, 120, 160, 3), np.uint8)
FRAMES = [(i / 10, NOISE[i % 10]) for i in range(30)]


def open_files_under(folder: Path) -> list[str]:
    """This process's descriptors of files under `folder`."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the listing's own descriptor, closed since
        if target.startswith(str(folder)):
            found.append(target)
    return found


def wait_until(done: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, f"not done within {timeout_s} s"
        time.sleep(0.01)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != "filler.bin")


@pytest.mark.parametrize("free_bytes", [0, 4096, 64 * 1024], ids=["full", "a page", "64 KiB"])
def test_a_clip_on_a_full_disk_raises_enospc_and_leaves_nothing(
    tmp_path: Path, free_bytes: int
) -> None:
    with small_disk(tmp_path / "disk", DISK_BYTES) as disk:
        (disk / "cam").mkdir()
        fill(disk, leave_bytes=free_bytes)
        with pytest.raises(OSError) as raised:
            write_clip(FRAMES, disk / "cam" / "a.mp4")
        assert raised.value.errno == errno.ENOSPC
        assert leftovers(disk) == []
        assert open_files_under(disk) == []
        free_up(disk)
        assert write_clip(FRAMES, disk / "cam" / "a.mp4").frame_count == len(FRAMES)


def test_a_snapshot_on_a_full_disk_raises_enospc_and_leaves_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", DISK_BYTES) as disk:
        fill(disk)
        with pytest.raises(OSError) as raised:
            write_snapshot(FRAMES[0][1], disk / "cam" / "a.jpg")
        assert raised.value.errno == errno.ENOSPC
        assert leftovers(disk) == []


def test_a_read_only_disk_raises_erofs_for_both(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", DISK_BYTES) as disk:
        (disk / "cam").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for write in (
            lambda: write_clip(FRAMES, disk / "cam" / "a.mp4"),
            lambda: write_snapshot(FRAMES[0][1], disk / "cam" / "a.jpg"),
        ):
            with pytest.raises(OSError) as raised:
                write()
            assert raised.value.errno == errno.EROFS
        assert leftovers(disk) == []


def jpeg_ring() -> RingBuffer:
    ring = RingBuffer(30.0, 10.0, 160, 85, 1.0)
    for pts_s, image in FRAMES:
        ring.add(pts_s, image)
    ring.mark_ended()
    return ring


def request_all(recorder: ClipRecorder, keys: list[str]) -> tuple[list[Path | None], list[Any]]:
    results: list[ClipResult] = []
    snapshots = [
        recorder.request(ClipEvent(key, "cam", 0.5, 1.0, 0.0), FRAMES[0][1], results.append)
        for key in keys
    ]
    return snapshots, results


def test_a_recorder_on_a_full_disk_leaves_media_out_logs_once_and_resumes(
    tmp_path: Path, caplog: Any
) -> None:
    writes = MediaWriteHealth()
    config = ClipConfig(pre_roll_s=1, post_roll_s=1)
    with small_disk(tmp_path / "disk", DISK_BYTES) as disk:
        recorder = ClipRecorder(jpeg_ring(), config, disk, writes=writes)
        recorder.start()
        fill(disk)
        with caplog.at_level(logging.INFO, logger="streams.media_writes"):
            snapshots, results = request_all(recorder, ["a", "b", "c"])
            wait_until(lambda: len(results) == 3)
            assert snapshots == [None, None, None]
            assert [(r.snapshot_path, r.clip_path) for r in results] == [(None, None)] * 3
            assert all(r.error and "No space left" in r.error for r in results)
            assert leftovers(disk) == [] and open_files_under(disk) == []
            assert writes.state().failing and writes.state().failures == 6
            assert writes.failure_counts() == {("snapshot", "ENOSPC"): 3, ("clip", "ENOSPC"): 3}

            free_up(disk)
            snapshots, results = request_all(recorder, ["d"])
            wait_until(lambda: len(results) == 1)
        recorder.stop()
        assert snapshots[0] is not None and snapshots[0].is_file()
        assert results[0].clip_path is not None and results[0].clip_path.is_file()
        assert not writes.state().failing
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages  # one failure line for ENOSPC, one on resuming
    assert "media writes failing (ENOSPC: No space left on device)" in messages[0]
    assert "media writes work again" in messages[1]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "ENOSPC: No space left on device"),
        (PermissionError(errno.EACCES, "Permission denied"), "EACCES: Permission denied"),
        (OSError("wrote 0 of 10 bytes"), "OSError: wrote 0 of 10 bytes"),  # no errno
    ],
)
def test_failure_cause(error: OSError, expected: str) -> None:
    assert failure_cause(error) == expected


def test_a_clip_without_frames_is_no_write_failure(tmp_path: Path) -> None:
    writes = MediaWriteHealth()
    empty = RingBuffer(30.0, 10.0, 160, 85, 1.0)
    recorder = ClipRecorder(empty, ClipConfig(), tmp_path, writes=writes)
    results: list[ClipResult] = []
    picture = np.zeros((8, 8, 3), np.uint8)
    recorder.request(ClipEvent("a", "cam", 0.5, 1.0, 0.0), picture, results.append)
    recorder.stop()
    assert results[0].clip_path is None and results[0].error is None
    assert not writes.state().failing
