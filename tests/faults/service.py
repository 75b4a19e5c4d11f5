"""`carewatch run` as a real process for the fault suite: started, probed, killed, restarted."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml
from sqlalchemy import create_engine, text

from tests.supervision.robot_receiver import RobotReceiver

T = TypeVar("T")
ADMIN = ("root", "admin password 1")
STARTED: list[ServiceProcess] = []  # the suite's conftest kills any a failed test left running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], T], timeout_s: float, what: str) -> T:
    """`check()`'s first truthy value; HTTP and OS errors count as not yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = check()
        except (httpx.HTTPError, OSError):
            value = None  # type: ignore[assignment]
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.25)


class ServiceProcess:
    """One `carewatch run --config` process over `config` (a dict written as YAML)."""

    def __init__(
        self,
        folder: Path,
        config: dict[str, Any],
        prefix: list[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.config = {**config, "dashboard": {**config.get("dashboard", {}), "port": self.port}}
        self.config_path = folder / "carewatch.yaml"
        self.config_path.write_text(yaml.safe_dump(self.config))
        self.log_path = folder / "service.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self._prefix = prefix or []
        self._env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def add_admin(self) -> None:
        command = ["user", "add", ADMIN[0], "--role", "admin", "--config", str(self.config_path)]
        self._cli(command, env={"CAREWATCH_PASSWORD": ADMIN[1]}, check=True)

    def start(self, wait: bool = True) -> None:
        log = self.log_path.open("ab")
        command = [
            *self._prefix,
            sys.executable,
            "-m",
            "carewatch.cli",
            "run",
            "--config",
            str(self.config_path),
        ]
        self.process = subprocess.Popen(command, stdout=log, stderr=log, env=self._env)
        STARTED.append(self)
        log.close()
        self.starts += 1
        if wait:
            wait_for(lambda: self.get("/api/health").status_code == 200, 90, "service up")

    def get(self, path: str) -> httpx.Response:
        assert self.alive(), f"carewatch run exited:\n{self.log()[-3000:]}"
        return httpx.get(self.url + path, timeout=5)

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = self.get("/api/health").json()
        return body

    def problems(self) -> set[str]:
        return {problem["kind"] for problem in self.health()["problems"]}

    def metric(self, name: str) -> float | None:
        """The first sample of `name` (with labels, e.g. 'carewatch_problem{kind="database"}')."""
        for line in self.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None

    @contextmanager
    def signed_in(self) -> Iterator[httpx.Client]:
        """A client with the admin's session."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            login = {"username": ADMIN[0], "password": ADMIN[1]}
            client.post("/api/auth/login", json=login).raise_for_status()
            yield client

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        """SIGINT and wait; the exit code (0: a clean stop)."""
        if self.process is None or self.process.poll() is not None:
            return -1 if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _cli(
        self, args: list[str], env: dict[str, str], check: bool
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "carewatch.cli", *args],
            env={**self._env, **env},
            capture_output=True,
            text=True,
            check=check,
        )


def stored_events(database_url: str, event_type: str = "fall") -> list[tuple[str, str]]:
    """(camera, key) of every stored event of `event_type`, read with a fresh engine."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT camera_id, key FROM events WHERE type = :type ORDER BY id"),
                {"type": event_type},
            )
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def pushed(receiver: RobotReceiver, words: str) -> bool:
    """Whether a phone-group message holding `words` reached the robot receiver."""
    return any(words in json.dumps(m.body, ensure_ascii=False) for m in receiver.messages())


def spooled_falls(spool: Path) -> dict[str, float]:
    """The falls waiting in a spool file: event key -> when it was detected (epoch s)."""
    if not spool.exists():
        return {}
    records = [json.loads(line) for line in spool.read_text().splitlines() if line.strip()]
    events = [r["event"] for r in records if r["kind"] == "event"]
    return {e["key"]: e["detected_at"] for e in events if e["type"] == "fall"}
