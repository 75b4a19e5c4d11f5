"""An append-only JSON-lines file of writes that could not reach the database yet."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from streams.atomic_file import write_all

log = logging.getLogger(__name__)
Record = dict[str, Any]
DEFAULT_RESERVE_BYTES = 4 * 1024 * 1024  # about 4,000 spooled events


class JsonlSpool:
    """Durable FIFO of JSON records; one line each, oldest first. Thread-safe.

    With `reserve_bytes`, a file of that size is kept allocated beside the spool; when the disk
    is full, it is given up so that the last writes still fit, and taken again once they are
    gone. `append` raises OSError only when even that space is used up.
    """

    def __init__(self, path: Path, reserve_bytes: int = 0) -> None:
        self.path = path
        self.reserve_path = path.with_name(path.name + ".reserve")
        self._reserve_bytes = reserve_bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._reserve_missing = False
        self._done = 0  # lines at the head already applied, not yet cut from the file
        self._end_last_line()
        self._count = len(self._read_lines())
        self._take_reserve()

    def __len__(self) -> int:
        return self._count

    @property
    def reserve_held(self) -> bool:
        """Whether the reserve is allocated (False while the disk is full, or without one)."""
        return self.reserve_path.exists()

    def append(self, records: Iterable[Record]) -> None:
        lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records]
        with self._lock:
            try:
                self._append_lines(lines)
            except OSError as error:
                if error.errno != errno.ENOSPC or not self._release_reserve():
                    raise
                self._append_lines(lines)
            self._count += len(lines)

    def read(self) -> list[str]:
        """All spooled lines, oldest first (undecoded, so a bad line can be set aside)."""
        with self._lock:
            return self._read_lines()

    def drop_first(self, count: int) -> None:
        """Forget the `count` oldest lines, rewriting the file atomically.

        When the disk has no room for the rewrite, they are only skipped until it has: the
        file keeps them, so after a crash they are applied again (writes are idempotent).
        """
        if count <= 0:
            return
        with self._lock:
            self._done += count
            self._count -= count
            rest = self._read_lines()
            try:
                if not rest:
                    self.path.unlink(missing_ok=True)
                else:
                    self._replace_with(rest)
            except OSError as error:
                log.warning("spool %s not shortened yet: %s", self.path, error)
                return
            self._done = 0
        if not rest:
            self._take_reserve()

    def _append_lines(self, lines: list[str]) -> None:
        with self.path.open("ab", buffering=0) as raw:
            start = raw.seek(0, os.SEEK_END)
            try:
                write_all(raw, "".join(lines).encode("utf-8"))
                # A spooled event must survive a power cut: it exists nowhere else.
                os.fsync(raw.fileno())
            except OSError:
                _cut_to(raw.fileno(), start)
                raise
        self._take_reserve()

    def _release_reserve(self) -> bool:
        if not self.reserve_path.exists():
            return False
        log.error("disk full: spool %s now uses its reserve", self.path)
        self.reserve_path.unlink()
        return True

    def _take_reserve(self) -> None:
        if self._reserve_bytes <= 0 or self.reserve_path.exists():
            return
        try:
            with self.reserve_path.open("wb") as file:
                os.posix_fallocate(file.fileno(), 0, self._reserve_bytes)
        except OSError as error:
            self.reserve_path.unlink(missing_ok=True)
            if not self._reserve_missing:
                log.warning("spool reserve not allocated (%s); trying again later", error)
            self._reserve_missing = True
            return
        self._reserve_missing = False

    def _end_last_line(self) -> None:
        # A crash mid-append can leave a torn last line; keep it from swallowing the next one.
        data = self.path.read_bytes() if self.path.exists() else b""
        if data and not data.endswith(b"\n"):
            with self.path.open("ab") as file:
                file.write(b"\n")

    def _read_lines(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if line.strip()][self._done :]

    def _replace_with(self, lines: list[str]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            with temporary.open("w", encoding="utf-8") as file:
                file.writelines(line + "\n" for line in lines)
                file.flush()
                os.fsync(file.fileno())
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, self.path)


def _cut_to(fd: int, size: int) -> None:
    """Remove a partly written append, so a retry does not leave half a line behind."""
    try:
        os.ftruncate(fd, max(0, size))
    except OSError as error:
        log.warning("could not cut a torn spool line: %s", error)


def decode(line: str) -> Record:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError(f"spool line is not a JSON object: {line[:80]!r}")
    return record
