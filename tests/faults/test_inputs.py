"""Bad input loses nothing and gets one clear line: corrupt and truncated video beside a good
camera, malformed configuration files, a bad camera configuration applied while running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SQLITE_PASS_ONLY
from tests.faults.conftest import file_camera, service_config
from tests.faults.report import record
from tests.faults.service import ServiceProcess, stored_events, wait_for

pytestmark = [SQLITE_PASS_ONLY]


def test_corrupt_and_truncated_video_beside_a_good_camera(
    fall_videos: dict[str, Path], tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(os.urandom(200_000))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(fall_videos["early"].read_bytes()[:150_000])
    url = f"sqlite:///{tmp_path}/data/carewatch.db"
    cameras = [
        file_camera("room-good", fall_videos["early"]),
        file_camera("room-corrupt", corrupt),
        file_camera("room-truncated", truncated),
    ]
    service = ServiceProcess(tmp_path, service_config(tmp_path / "data", url, cameras))
    service.add_admin()
    service.start()
    with service.signed_in() as client:

        def bad_ones() -> dict[str, str]:
            shown = {c["id"]: c for c in client.get("/api/cameras").json()}
            return {
                camera: shown[camera]["last_error"]
                for camera in ("room-corrupt", "room-truncated")
                if shown[camera]["state"] == "offline" and shown[camera]["last_error"]
            }

        errors = wait_for(lambda: len(bad_ones()) == 2 and bad_ones(), 30, "bad cameras offline")
        wait_for(lambda: stored_events(url), 60, "the good camera's fall")
        # A bad camera configuration applied while running: 422 naming the field, and the
        # camera keeps running what it ran.
        config = client.get("/api/cameras/room-good/config").json()["config"]
        bad = {**config, "fall": {**config.get("fall", {}), "long_lie_s": -5}}
        reply = client.put("/api/cameras/room-good/config", json={"config": bad})
        assert reply.status_code == 422 and "long_lie_s" in reply.text, reply.text
        assert client.get("/api/cameras/room-good/config").json()["config"] == config
    assert all("\n" not in error and len(error) < 300 for error in errors.values()), errors
    assert "Traceback" not in service.log()
    assert [camera for camera, _ in stored_events(url)] == ["room-good"]
    assert service.stop() == 0
    record("corrupt and truncated video", produced=1, stored=stored_events(url))


BAD_CONFIGS = {
    "yaml": "facilities: [unclosed\n",
    "type": "facilities: 3\ncameras: []\n",
    "unknown key": "facilities: [{id: h, name: H}]\ncameras: []\ncolour: blue\n",
    "database url": "facilities: [{id: h, name: H}]\ncameras: []\n"
    "database: {url: 'sqlitex:///x.db'}\n",
}


@pytest.mark.parametrize("problem", list(BAD_CONFIGS))
def test_malformed_config_exits_2_with_one_line(problem: str, tmp_path: Path) -> None:
    path = tmp_path / "carewatch.yaml"
    path.write_text(BAD_CONFIGS[problem])
    run = subprocess.run(
        [sys.executable, "-m", "carewatch.cli", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 2 and len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
