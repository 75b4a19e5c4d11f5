"""An append-only JSON-lines file of writes that could not reach the database yet."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Record = dict[str, Any]


class JsonlSpool:
    """Durable FIFO of JSON records; one line each, oldest first. Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._end_last_line()
        self._count = len(self._read_lines())

    def __len__(self) -> int:
        return self._count

    def append(self, records: Iterable[Record]) -> None:
        lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in records]
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.writelines(lines)
            file.flush()
            # A spooled event must survive a power cut: it exists nowhere else.
            os.fsync(file.fileno())
            self._count += len(lines)

    def read(self) -> list[str]:
        """All spooled lines, oldest first (undecoded, so a bad line can be set aside)."""
        with self._lock:
            return self._read_lines()

    def drop_first(self, count: int) -> None:
        """Forget the `count` oldest lines, rewriting the file atomically."""
        if count <= 0:
            return
        with self._lock:
            rest = self._read_lines()[count:]
            if not rest:
                self.path.unlink(missing_ok=True)
            else:
                self._replace_with(rest)
            self._count = len(rest)

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
        return [line for line in text.splitlines() if line.strip()]

    def _replace_with(self, lines: list[str]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            file.writelines(line + "\n" for line in lines)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)


def decode(line: str) -> Record:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError(f"spool line is not a JSON object: {line[:80]!r}")
    return record
