"""A PostgreSQL server of its own, initdb'd in a temporary folder, on a loopback TCP port."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from carewatch.district.servers import free_port

# PostgreSQL refuses to run as root; as root, its programs run as nobody.
OWNER = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not found:
        raise RuntimeError("no PostgreSQL under /usr/lib/postgresql (make postgresql)")
    return found[-1]


class PostgresServer:
    """initdb'd in a temporary folder; `url` reaches its `carewatch` database over 127.0.0.1."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="carewatch-pg."))
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

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def close(self) -> None:
        subprocess.run(
            [*OWNER, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=carewatch dbname={database}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*OWNER, str(self.bin / program), *args], cwd=self.root, capture_output=True, check=True
        )
