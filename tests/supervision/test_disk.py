"""The disk watch: a real small disk filling up turns the state low once, and back once."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from streams.media_writes import WORKING, MediaWriteState
from supervision.retention.disk import (
    DiskReading,
    DiskSpace,
    DiskState,
    DiskThresholds,
    DiskWatch,
    disk_state,
    format_bytes,
    read_disks,
)
from supervision.tables import utc_now
from tests.disk_full import fill, free_up, small_disk

TEN_PERCENT = DiskThresholds(warn_free_fraction=0.10, warn_free_bytes=0)


@pytest.mark.parametrize(
    ("free_bytes", "total_bytes", "fraction", "min_bytes", "low"),
    [
        (0, 0, 0.0, 0, False),  # both thresholds off
        (0, 1000, 0.0, 0, False),
        (99, 1000, 0.1, 0, True),
        (100, 1000, 0.1, 0, False),
        (499, 1000, 0.0, 500, True),
        (500, 1000, 0.0, 500, False),
    ],
)
def test_is_low(
    free_bytes: int, total_bytes: int, fraction: float, min_bytes: int, low: bool
) -> None:
    thresholds = DiskThresholds(fraction, min_bytes)
    assert thresholds.is_low(DiskSpace(free_bytes, total_bytes)) is low


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (5 << 30, "5.0 GiB"),
        (3 << 50, "3072.0 TiB"),
    ],
)
def test_format_bytes(count: int, text: str) -> None:
    assert format_bytes(count) == text


def test_no_readings_and_working_writes_are_not_low() -> None:
    state = disk_state((), TEN_PERCENT, utc_now(), WORKING)
    assert (state.low, state.reason, state.since, state.media_error) == (False, "", None, "")


def test_failing_media_writes_make_the_state_low_with_their_cause() -> None:
    failing = MediaWriteState(True, "EROFS: Read-only file system", 2)
    state = disk_state((), TEN_PERCENT, utc_now(), failing)
    assert state.low and state.media_error == "EROFS: Read-only file system"
    assert state.reason == "snapshots and clips cannot be written: EROFS: Read-only file system"


def test_a_disk_that_cannot_be_read_is_low(tmp_path: Path) -> None:
    def unreadable(path: Path) -> DiskSpace:
        raise OSError(5, "Input/output error")

    (reading,) = read_disks({"media": tmp_path}, TEN_PERCENT, unreadable)
    assert reading.low and reading.space is None and reading.free_fraction is None
    state = disk_state((reading,), TEN_PERCENT, utc_now())
    assert state.reason == f"media disk ({tmp_path}) cannot be read: [Errno 5] Input/output error"


def test_a_missing_folder_is_read_on_its_disk(tmp_path: Path) -> None:
    (reading,) = read_disks({"media": tmp_path / "not" / "yet"}, TEN_PERCENT)
    assert reading.space is not None and reading.space.total_bytes > 0


def test_a_filling_disk_turns_low_once_and_back_once(tmp_path: Path, caplog: Any) -> None:
    with small_disk(tmp_path / "disk", 1 << 20) as disk:
        media, spool = disk / "media", tmp_path / "spool"
        media.mkdir()
        spool.mkdir()
        heard: list[DiskState] = []
        watch = DiskWatch({"media": media, "spool": spool}, TEN_PERCENT, 3600)
        watch.on_change(heard.append)
        with caplog.at_level(logging.INFO, logger="supervision.retention.disk"):
            assert not watch.check().low
            fill(disk, leave_bytes=64 * 1024)  # 6 % of the disk left
            first, second = watch.check(), watch.check()
            free_up(disk)
            back = watch.check()
        media_reading = first.reading("media")
        assert media_reading is not None and media_reading.low
        spool_reading = first.reading("spool")
        assert spool_reading is not None and not spool_reading.low
    assert first.low and second.low and not back.low
    assert first.reason.startswith(f"media disk ({media}) has 64.0 KiB free (6.2%)")
    assert first.reason.endswith("below the warning at 10%")
    assert second.since == first.since == first.checked_at
    assert [state.low for state in heard] == [True, False]
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [f"disk trouble: {first.reason}", messages[1]]
    assert messages[1].startswith("disk trouble over")


def test_media_write_failure_is_heard_and_the_reading_stays() -> None:
    media_state = WORKING

    def fixed(path: Path) -> DiskSpace:
        return DiskSpace(900, 1000)

    watch = DiskWatch(
        {"media": Path("/data")},
        TEN_PERCENT,
        3600,
        media_writes=lambda: media_state,
        free_space=fixed,
    )
    heard: list[DiskState] = []
    watch.on_change(heard.append)
    assert not watch.check().low
    media_state = MediaWriteState(True, "ENOSPC: No space left on device", 1)
    assert watch.check().low
    assert [state.media_error for state in heard] == ["ENOSPC: No space left on device"]
    assert watch.state().readings == (
        DiskReading("media", Path("/data"), DiskSpace(900, 1000), False),
    )
