"""A PostgreSQL server of the test's own, on a TCP port, that a test may refuse, freeze or kill."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.faults.service import free_port

OWNER = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not found:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql (make postgresql)")
    return found[-1]


class PostgresServer:
    """initdb'd in a temporary folder; `url` reaches it over 127.0.0.1."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="carewatch-fault-pg."))
        if OWNER:
            shutil.chown(self.root, "nobody", "nogroup")
        self.port = free_port()
        self.url = f"postgresql+psycopg://carewatch@127.0.0.1:{self.port}/carewatch"
        self._run("initdb", "-D", str(self.data), "-U", "carewatch", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE carewatch")

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        options = f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
            "-o",
            options,
        )

    def stop(self) -> None:
        """A clean stop: connections are refused until `start`."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def kill(self) -> None:
        """kill -9 of the server and every backend, as an OOM killer or a power cut would."""
        self._signal_all(signal.SIGKILL)
        (self.data / "postmaster.pid").unlink(missing_ok=True)
        time.sleep(0.5)

    def freeze(self) -> None:
        """SIGSTOP to the server and every backend: connections open, nothing answers."""
        self._signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_all(signal.SIGCONT)

    def close(self) -> None:
        self.thaw()
        subprocess.run(
            [*OWNER, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def _pids(self) -> list[int]:
        pid_file = self.data / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def _signal_all(self, sig: signal.Signals) -> None:
        for pid in self._pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=carewatch dbname={database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*OWNER, str(self.bin / program), *args], cwd=self.root, capture_output=True, check=True
        )
