"""`carewatch run` end to end: a real clip and a dead RTSP camera in one process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest
import yaml

from carewatch.demo import DEMO_PASSWORD
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, session_factory
from supervision.events.reads import list_events
from supervision.events.store import EventStore
from tests.store_calls import read


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def running(
    tmp_path: Path, database_url: str, eval_dir: Path
) -> Iterator[tuple[httpx.Client, Path, EventStore]]:
    """`carewatch run` with a real and a dead camera; an admin added by `carewatch user add`."""
    port, dead_port = free_port(), free_port()
    data = tmp_path / "data"
    config = {
        "facilities": [{"id": "home", "name": "Home"}],
        "cameras": [
            {
                "id": "hall",
                "name": "Hall",
                "facility": "home",
                "source": {
                    "type": "file",
                    "realtime": True,
                    "path": str(eval_dir / "assist-iot/fall/05_vertical_fall_faint.mp4"),
                },
            },
            {
                "id": "gate",
                "name": "Gate",
                "facility": "home",
                "source": {
                    "type": "url",
                    "url": f"rtsp://127.0.0.1:{dead_port}/stream",
                    "open_timeout_s": 1,
                },
            },
        ],
        "storage": {"data_dir": str(data)},
        "database": {"url": database_url},
        "reconnect": {"initial_backoff_s": 0.2, "max_backoff_s": 1, "offline_after_s": 2},
        "dashboard": {"port": port},
    }
    path = tmp_path / "carewatch.yaml"
    path.write_text(yaml.safe_dump(config))
    password = {"CAREWATCH_PASSWORD": "admin password 1"}
    add_admin = ["user", "add", "root", "--role", "admin", "--config", str(path)]
    subprocess.run(
        [sys.executable, "-m", "carewatch.cli", *add_admin], env=os.environ | password, check=True
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "carewatch.cli", "run", "--config", str(path)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    engine = create_engine_for(DatabaseConfig(url=database_url))
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        sign_in = {"username": "root", "password": password["CAREWATCH_PASSWORD"]}
        wait_for(lambda: http.post("/api/auth/login", json=sign_in).is_success, 60)
        yield http, data, EventStore(session_factory(engine))
        assert process.poll() is None, "carewatch run exited early"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        http.close()
        engine.dispose()
        assert process.returncode == 0, stderr[-3000:]


def wait_for(condition, timeout_s: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not met within {timeout_s} s")


@pytest.mark.slow
def test_fall_lands_with_snapshot_and_clip_while_dead_camera_retries(
    running: tuple[httpx.Client, Path, EventStore],
) -> None:
    http, data, store = running
    cameras = wait_for(lambda: http.get("/api/cameras").json(), 60)
    assert {c["id"] for c in cameras} == {"hall", "gate"}

    def fall_with_clip():  # type: ignore[no-untyped-def]
        return [e for e in read(store, list_events) if e.type == "fall" and e.clip_path]

    fall = wait_for(fall_with_clip, 90)[0]
    assert (
        fall.snapshot_path and (data / "media" / fall.snapshot_path).read_bytes()[:2] == b"\xff\xd8"
    )
    clip = data / "media" / fall.clip_path
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(stream))
    assert frames > 20
    assert fall.clip_start_s is not None and fall.clip_start_s < fall.start_s - 1.0, "pre-roll"

    gate = wait_for(
        lambda: [
            c
            for c in http.get("/api/cameras").json()
            if c["id"] == "gate" and c["state"] == "offline"
        ],
        30,
    )[0]
    assert gate["last_error"]
    first = gate["reconnects"]
    wait_for(
        lambda: [
            c
            for c in http.get("/api/cameras").json()
            if c["id"] == "gate" and c["reconnects"] > first
        ],
        30,
    )
    offline = [e for e in read(store, list_events) if e.type == "camera_offline"]
    assert offline and offline[0].camera_id == "gate"


def test_demo_serves_the_dashboard_and_a_live_camera(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "carewatch.cli",
            "demo",
            "--data-dir",
            str(tmp_path),
            "--port",
            str(port),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/api/health").status_code == 200, 60)
        anonymous = httpx.get(f"{base}/api/cameras")
        signed_in = httpx.post(
            f"{base}/api/auth/login", json={"username": "officer", "password": DEMO_PASSWORD}
        )
        with httpx.Client(base_url=base, cookies=signed_in.cookies, timeout=10) as http:
            cameras = wait_for(
                lambda: [c for c in http.get("/api/cameras").json() if c["state"] == "online"], 60
            )
            assert anonymous.status_code == 401
            assert cameras[0]["id"] == "demo-room" and cameras[0]["live"]
            assert "carewatch" in http.get("/").text
            with http.stream("GET", "/api/cameras/demo-room/mjpeg") as reply:
                chunk = b""
                for part in reply.iter_bytes():
                    chunk += part
                    if b"\xff\xd9" in chunk:
                        break
            assert b"Content-Type: image/jpeg" in chunk and b"\xff\xd8" in chunk
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-3000:]
    assert f"password '{DEMO_PASSWORD}'" in stderr  # the demo says how to sign in
