"""Full disks: under the database and spool, then kill -9 (the falls wait in the spool's reserve,
survive the crash, and are stored exactly once after space returns); under the media folder
(events stored without media, the trouble shown and pushed, media again once space returns)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import SQLITE_PASS_ONLY
from tests.disk_full import fill, free_up, small_disk
from tests.faults.conftest import file_camera, push_section, service_config
from tests.faults.report import record
from tests.faults.service import ServiceProcess, pushed, spooled_falls, stored_events, wait_for
from tests.supervision.robot_receiver import RobotReceiver

pytestmark = [SQLITE_PASS_ONLY]  # SQLite on the small disk; PostgreSQL adds nothing here
DISK_BYTES = 48 << 20


def test_disk_full_under_database_and_spool_then_kill_9(
    fall_videos: dict[str, Path], tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", DISK_BYTES) as disk:
        url = f"sqlite:///{disk}/carewatch.db"
        cameras = [file_camera(f"room-{n}", fall_videos["early"]) for n in (1, 2)]
        service = ServiceProcess(tmp_path, service_config(disk, url, cameras))
        service.start()
        fill(disk)
        spool = disk / "spool.jsonl"
        spooled = wait_for(
            lambda: len(list(spooled_falls(spool))) == 2 and list(spooled_falls(spool)),
            60,
            "both falls in the spool's reserve",
        )
        assert "database" in service.problems()
        assert service.metric("carewatch_writes_in_memory_only") == 0.0
        assert not (disk / "spool.jsonl.reserve").exists()  # given up so that they fit
        service.kill()  # kill -9 while the falls exist only in the spool
        assert stored_events(url) == []
        free_up(disk)
        service.start()  # the second run plays the videos again: two more falls
        wait_for(lambda: len(stored_events(url)) == 4, 90, "four falls stored")
        time.sleep(2)
        stored = stored_events(url)
        keys = [key for _, key in stored]
        assert len(set(keys)) == 4 and set(spooled) <= set(keys), stored
        assert not service.problems()
        assert service.stop() == 0
        assert not list(disk.rglob("*.part")) and not list(disk.glob("*.tmp"))
    record("disk full (database and spool) + kill -9", produced=4, stored=stored)


def test_media_disk_full_keeps_events_and_says_so(
    fall_videos: dict[str, Path], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{data}/carewatch.db"
    cameras = [
        file_camera("room-early", fall_videos["early"]),  # falls while the disk is full
        file_camera("room-late", fall_videos["late"]),  # falls after space returned
    ]
    with RobotReceiver() as receiver, small_disk(data / "media", 8 << 20) as media:
        storage = {"data_dir": str(data), "disk_check_every_s": 1}
        config = service_config(data, url, cameras, push=push_section(receiver.wecom_url))
        service = ServiceProcess(tmp_path, {**config, "storage": storage})
        service.add_admin()
        service.start()
        fill(media)
        wait_for(lambda: "disk" in service.problems(), 30, "disk trouble shown")
        wait_for(lambda: pushed(receiver, "存储空间不足"), 30, "disk trouble pushed")
        with service.signed_in() as client:
            early = wait_for(lambda: _falls(client, "room-early"), 60, "the early fall")[0]
            assert early["snapshot_url"] is None and early["clip_url"] is None
            free_up(media)
            wait_for(lambda: "disk" not in service.problems(), 30, "disk trouble cleared")
            late = wait_for(
                lambda: [e for e in _falls(client, "room-late") if e["clip_url"]], 60, "late clip"
            )[0]
            assert late["snapshot_url"]
            assert client.get(late["clip_url"]).status_code == 200
        stored = stored_events(url)
        assert sorted(camera for camera, _ in stored) == ["room-early", "room-late"]
        assert len({key for _, key in stored}) == 2
        assert "analysis failed" not in service.log()
        assert service.alive() and service.stop() == 0
        assert not list(media.rglob("*.part"))
    record("media disk full", produced=2, stored=stored)


def _falls(client: httpx.Client, camera: str) -> list[dict[str, Any]]:
    events = client.get("/api/events", params={"limit": 100}).json()
    return [e for e in events if e["type"] == "fall" and e["camera_id"] == camera]
