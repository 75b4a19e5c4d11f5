"""Retention under disk pressure keeps evidence: open incidents, holds, the newest; and says so."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from supervision.config import RetentionConfig
from supervision.events.reads import get_event
from supervision.events.store import EventStore
from supervision.retention.cleanup import Retention, run_retention
from supervision.retention.disk import DiskSpace
from supervision.retention.report import RetentionReport, describe_pass
from supervision.retention.scan import KeptMedia
from supervision.tables import utc_now
from tests.conftest import SQLITE_PASS_ONLY
from tests.disk_full import fill, small_disk
from tests.store_calls import read
from tests.supervision.retention_media import (
    NOW,
    MakeEvent,
    disk_of,
    hold,
    media_deletions,
    record_media,
)

# Wants 90 % of the disk free: more than deleting every deletable file gives back.
GREEDY = RetentionConfig(min_free_disk_fraction=0.9, keep_newest_h=24)


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def record(store: EventStore, media_root: Path, make_event: MakeEvent) -> Callable[..., int]:
    """An event started `hours_ago` before NOW (or `before`), with a 1000-byte clip and
    100-byte snapshot."""

    def make(hours_ago: float, before: datetime = NOW, **media: Any) -> int:
        event = make_event(started_at=(before - timedelta(hours=hours_ago)).timestamp())
        return record_media(store, media_root, event, **media)

    return make


def deleted_events(report: Any) -> list[tuple[int, str]]:
    return [(d.file.event_ids[0], d.file.kind) for d in report.deleted]


def test_open_incidents_held_and_newest_media_stay_the_oldest_closed_go(
    store: EventStore, record: Callable[..., int], media_root: Path
) -> None:
    closed_old = record(hours_ago=72)
    open_old = record(hours_ago=71, open_incident=True)
    held_old = record(hours_ago=70)
    hold(store, held_old)
    closed_new = record(hours_ago=0.1)  # a fall a few minutes ago, already closed
    open_new = record(hours_ago=0.05, open_incident=True)  # a fall just now, not yet handled

    report = run_retention(store, GREEDY, media_root, now=NOW, free_space=disk_of(4000))

    assert deleted_events(report) == [(closed_old, "clip"), (closed_old, "snapshot")]
    assert report.pressure_left
    assert report.kept == (
        KeptMedia("on_hold", 2, 1100),
        KeptMedia("open_incident", 4, 2200),
        KeptMedia("newest", 2, 1100),
    )
    for event_id in (open_old, held_old, closed_new, open_new):
        view = read(store, get_event, event_id)
        assert view is not None and view.clip_path is not None
        assert (media_root / view.clip_path).is_file()
    assert [entry.detail["reason"] for entry in media_deletions(store)] == ["disk_pressure"] * 2


def test_open_incident_media_stay_past_their_age(
    store: EventStore, record: Callable[..., int], media_root: Path
) -> None:
    still_open = record(hours_ago=24 * 400, open_incident=True)
    config = RetentionConfig(min_free_disk_fraction=0)

    report = run_retention(store, config, media_root, now=NOW, free_space=disk_of(10**6))

    assert report.deleted == () and report.kept == (KeptMedia("open_incident", 2, 1100),)
    view = read(store, get_event, still_open)
    assert view is not None and view.clip_path is not None


def test_newest_window_zero_lets_recent_closed_media_go(
    store: EventStore, record: Callable[..., int], media_root: Path
) -> None:
    recent = record(hours_ago=0.1)
    config = RetentionConfig(min_free_disk_fraction=0.5, keep_newest_h=0)
    report = run_retention(store, config, media_root, now=NOW, free_space=disk_of(2000))
    assert deleted_events(report) == [(recent, "clip")]  # 1000 bytes back: half of 2000 free
    assert not report.pressure_left


@pytest.mark.parametrize(
    ("kept", "expected"),
    [
        ((), None),  # not short, nothing deleted: a quiet pass
        (
            (KeptMedia("open_incident", 2, 2048), KeptMedia("newest", 1, 1024)),
            "retention: media disk still short of space, now 1.0 KiB free (0.1%), wanted 90%; "
            "freed 0 B: 0 files; kept 3 files, 3.0 KiB: 2 of open incidents (2.0 KiB), "
            "1 newest (events of the last 24 h) (1.0 KiB); media left use 3.0 KiB of the "
            "1023.0 KiB used on the disk",
        ),
    ],
    ids=["quiet", "short"],
)
def test_describe_pass(kept: tuple[KeptMedia, ...], expected: str | None) -> None:
    space = DiskSpace(1024, 1 << 20) if kept else None
    report = RetentionReport(deleted=(), kept=kept, pressure_left=bool(kept), space=space)
    assert describe_pass(report, GREEDY) == expected


def test_one_honest_line_per_pass_and_no_repeats(
    store: EventStore, record: Callable[..., int], media_root: Path, caplog: Any
) -> None:
    record(hours_ago=72)
    record(hours_ago=0.05, open_incident=True)
    retention = Retention(store, GREEDY, media_root, free_space=disk_of(4000))

    with caplog.at_level(logging.DEBUG, logger="supervision.retention.cleanup"):
        for _ in range(3):
            retention.check(now=NOW)

    lines = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    message = lines[0].getMessage()
    assert "media disk still short of space" in message
    assert "freed 1.1 KiB: 2 files (2 oldest first for disk space)" in message
    assert "kept 2 files, 1.1 KiB: 2 of open incidents (1.1 KiB)" in message
    assert "held" not in message  # nothing is on hold


def test_a_short_disk_gets_a_pass_before_the_hourly_one(
    store: EventStore,
    record: Callable[..., int],
    media_root: Path,
    wait_until: Callable[..., None],
) -> None:
    old = record(hours_ago=72, before=utc_now())  # the thread's passes run at the real time
    capacity = 10**6

    def free_space(path: Path) -> DiskSpace:
        return disk_of(capacity)(path)

    def clip_deleted() -> bool:
        view = read(store, get_event, old)
        return view is not None and view.clip_path is None

    config = RetentionConfig(
        min_free_disk_fraction=0.5, check_every_s=3600, pressure_check_every_s=0.05
    )
    retention = Retention(store, config, media_root, free_space=free_space)
    retention.start()
    try:
        wait_until(lambda: retention.last_report is not None)  # the pass at start
        assert not clip_deleted()
        capacity = 2000  # the disk fills after the first pass: 900 bytes free
        wait_until(clip_deleted)
    finally:
        retention.stop()


@SQLITE_PASS_ONLY
def test_a_really_full_disk_loses_old_closed_media_not_the_new_fall(
    store: EventStore, make_event: MakeEvent, tmp_path: Path, caplog: Any
) -> None:
    with small_disk(tmp_path / "disk", 1 << 20) as disk:
        media_root = disk / "media"
        now = utc_now()
        old = make_event(started_at=(now - timedelta(days=3)).timestamp())
        old_id = record_media(store, media_root, old, 8192, 4096)
        fall = make_event(started_at=(now - timedelta(minutes=1)).timestamp())
        fall_id = record_media(store, media_root, fall, 8192, 4096, open_incident=True)
        fill(disk)  # the operator's filler: most of what is used is not media
        retention = Retention(store, RetentionConfig(), media_root)

        with caplog.at_level(logging.INFO, logger="supervision.retention.cleanup"):
            first, second = retention.check(), retention.check()

        assert first is not None and second is not None
        assert deleted_events(first) == [(old_id, "clip"), (old_id, "snapshot")]
        assert first.pressure_left and second.deleted == ()
        view = read(store, get_event, fall_id)
        assert view is not None and view.clip_path and view.snapshot_path
        assert (media_root / view.clip_path).is_file()
        assert (media_root / view.snapshot_path).is_file()
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert "kept 2 files, 12.0 KiB: 2 of open incidents (12.0 KiB)" in line
    assert "media left use 12.0 KiB of the" in line
