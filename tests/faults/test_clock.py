"""The wall clock jumps (NTP after a dead RTC battery, a manual change) under a running service,
with Debian's libfaketime: every fall is still stored exactly once and nothing stalls."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import SQLITE_PASS_ONLY
from tests.faults.conftest import file_camera, service_config
from tests.faults.report import record
from tests.faults.service import ServiceProcess, stored_events, wait_for

pytestmark = [SQLITE_PASS_ONLY]
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")


@pytest.fixture(scope="module")
def nanosleep_fix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The preload that works around libfaketime#426 (see nanosleep_fix.c), built here."""
    library = tmp_path_factory.mktemp("faketime") / "nanosleep_fix.so"
    source = Path(__file__).with_name("nanosleep_fix.c")
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(library), str(source)], check=True)
    return library


@pytest.mark.parametrize("jump", ["+2h", "-2h"])
def test_a_clock_jump_loses_nothing(
    jump: str, fall_videos: dict[str, Path], tmp_path: Path, nanosleep_fix: Path
) -> None:
    if not LIBFAKETIME.exists():
        pytest.fail(f"{LIBFAKETIME} missing: apt install faketime (make faults)")
    offset = tmp_path / "faketime"
    offset.write_text("+0\n")
    env = {
        "LD_PRELOAD": f"{nanosleep_fix}:{LIBFAKETIME}",
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_CACHE_DURATION": "1",
        "DONT_FAKE_MONOTONIC": "1",  # as a real clock step: monotonic time runs on
    }
    url = f"sqlite:///{tmp_path}/data/carewatch.db"
    cameras = [file_camera(f"room-{n}", fall_videos["early"]) for n in (1, 2)]
    service = ServiceProcess(tmp_path, service_config(tmp_path / "data", url, cameras), env=env)
    service.add_admin()
    service.start()
    before = time.time()
    offset.write_text(jump + "\n")
    falls = wait_for(lambda: len(stored_events(url)) == 2 and stored_events(url), 60, "2 falls")
    time.sleep(2)
    assert stored_events(url) == falls and len({key for _, key in falls}) == 2
    with service.signed_in() as client:
        shown = [e for e in client.get("/api/events").json() if e["type"] == "fall"]
    hours = 2 if jump.startswith("+") else -2
    for event in shown:  # stamped with the (jumped) wall clock, as the box believes it
        started = datetime.fromisoformat(event["started_at"]).timestamp()
        assert abs(started - (before + hours * 3600)) < 120, event
    assert service.alive() and not service.problems()
    assert service.stop() == 0
    record(f"clock jump {jump}", produced=2, stored=stored_events(url))
