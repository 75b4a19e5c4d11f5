"""The database refused, hung (SIGSTOP) and killed under a running service: every fall the
videos hold is stored exactly once after recovery, and the trouble is shown meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import SQLITE_PASS_ONLY
from tests.dashboard.browser import BROWSER, TIMEOUT_MS, screenshot, sign_in
from tests.dashboard.conftest import browser
from tests.faults.conftest import file_camera, push_section, service_config
from tests.faults.postgres import PostgresServer
from tests.faults.report import record
from tests.faults.service import (
    ADMIN,
    ServiceProcess,
    pushed,
    spooled_falls,
    stored_events,
    wait_for,
)
from tests.supervision.robot_receiver import RobotReceiver

pytestmark = [*BROWSER, SQLITE_PASS_ONLY]  # they start their own server, never the suite's
__all__ = ["browser"]  # the module-scoped Chromium of tests/dashboard/conftest.py
SPOOL_WITHIN_S = 10.0


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.close()


def _banner_shown(page: Page, words: str) -> None:
    expect(page.get_by_test_id("health-banner")).to_contain_text(words)
    screenshot(page, "health-banner-database")


def _watch_spool(spool: Path, count: int, timeout_s: float) -> dict[str, float]:
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(seen) < count:
        assert time.monotonic() < deadline, f"{len(seen)} of {count} falls spooled"
        for key, detected_at in spooled_falls(spool).items():
            seen.setdefault(key, time.time() - detected_at)
        time.sleep(0.2)
    return seen


@pytest.mark.parametrize("fault", ["refused", "hung", "killed"])
def test_database_fault(
    fault: str,
    postgres: PostgresServer,
    fall_videos: dict[str, Path],
    tmp_path: Path,
    browser: Browser,
) -> None:
    cameras = [file_camera(f"room-{n}", fall_videos["early"]) for n in (1, 2)]
    with RobotReceiver() as receiver:
        config = service_config(
            tmp_path / "data", postgres.url, cameras, push=push_section(receiver.wecom_url)
        )
        service = ServiceProcess(tmp_path, config)
        service.add_admin()
        service.start()
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        sign_in(page, service.url, *ADMIN)
        expect(page.get_by_test_id("who-name")).to_contain_text(ADMIN[0])
        {"refused": postgres.stop, "hung": postgres.freeze, "killed": postgres.kill}[fault]()
        spool = tmp_path / "data" / "spool.jsonl"
        started = time.monotonic()
        spool_delays_s = _watch_spool(spool, 2, 60)
        assert max(spool_delays_s.values()) < SPOOL_WITHIN_S, spool_delays_s
        assert service.problems() == {"database"}
        assert service.metric('carewatch_problem{kind="database"}') == 1.0
        assert service.metric("carewatch_writes_waiting") >= 2
        wait_for(lambda: pushed(receiver, "事件无法写入数据库"), 20, "system push")
        if fault == "refused":  # the page was loaded before: the banner needs no database
            _banner_shown(page, "Events are not reaching the database")
        outage_s = time.monotonic() - started
        {"refused": postgres.start, "hung": postgres.thaw, "killed": postgres.start}[fault]()
        falls = wait_for(
            lambda: len(stored_events(postgres.url)) >= 2 and not spool.exists(),
            60,
            "spool replayed",
        )
        wait_for(lambda: not service.problems(), 30, "problem cleared")
        expect(page.get_by_test_id("health-banner")).to_be_hidden()
        page.close()
        stored = stored_events(postgres.url)
        assert sorted(camera for camera, _ in stored) == ["room-1", "room-2"], stored
        assert len({key for _, key in stored}) == 2
        wait_for(lambda: pushed(receiver, "已恢复"), 20, "resolved push")
        assert service.alive() and service.starts == 1
        assert service.stop() == 0
    record(
        f"database {fault}",
        produced=2,
        stored=stored,
        spooled_within_s=round(max(spool_delays_s.values()), 2),
        outage_s=round(outage_s, 1),
    )
    assert falls


def test_database_down_at_start_up(
    postgres: PostgresServer, fall_videos: dict[str, Path], tmp_path: Path
) -> None:
    """After a power cut the database may come up after carewatch: it waits, says so, goes on."""
    cameras = [file_camera(f"room-{n}", fall_videos["early"]) for n in (1, 2)]
    service = ServiceProcess(tmp_path, service_config(tmp_path / "data", postgres.url, cameras))
    postgres.stop()
    service.start(wait=False)
    wait_for(lambda: "connecting to the database at start-up failed" in service.log(), 30, "said")
    assert service.alive()
    postgres.start()
    wait_for(lambda: service.get("/api/health").status_code == 200, 60, "service up")
    stored = wait_for(
        lambda: len(stored_events(postgres.url)) == 2 and stored_events(postgres.url),
        60,
        "both falls",
    )
    assert "works again" in service.log()
    assert service.stop() == 0
    record("database down at start-up", produced=2, stored=stored)
