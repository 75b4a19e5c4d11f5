"""Clip manifests for evaluation: `clip,label,...` CSV files with optional timing columns."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
from dataclasses import dataclass, replace
from pathlib import Path

LABELS = ("fall", "adl", "immobile", "fire")
REQUIRED_COLUMNS = ("clip", "label")
TIME_COLUMNS = ("fall_start_s", "floor_s")
HELD_OUT_EVERY = 5  # every fifth clip of a manifest (the 5th, 10th, ...) is held out


def clip_digest(path: Path) -> str:
    """The SHA-256 of a clip file's bytes, which caches of its analysis are keyed on: the same
    footage copied or restored elsewhere (another path, another mtime) still finds them.
    Computed once per path, size and mtime in a process."""
    stat = path.stat()
    return _file_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


class ManifestError(ValueError):
    """The manifest cannot be used; one line naming the file and row."""


@dataclass(frozen=True, slots=True)
class Annotations:
    """Ground-truth times of a fall clip in video seconds, where the manifest gives them."""

    fall_start_s: float | None = None
    floor_s: float | None = None  # when the person reaches the floor


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One clip to evaluate; `source` is the `source` column, else the clip's top folder."""

    line: int
    clip: str  # as written in the manifest
    path: Path
    label: str
    source: str
    annotations: Annotations = Annotations()
    held_out: bool = False  # no threshold may be tuned on it; reported apart


def read_manifest(path: Path) -> list[ManifestRow]:
    """Every row of a manifest; `clip` paths are relative to the manifest's folder.

    Every fifth row is held out: fixed by position before any tuning, reported apart.
    """
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: cannot read manifest ({error})") from None
    return parse_manifest(text, path)


def parse_manifest(text: str, path: Path) -> list[ManifestRow]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ManifestError(
            f"{path}: missing column(s) {', '.join(missing)} (expected a header clip,label,...)"
        )
    rows = []
    try:
        for number, record in enumerate(reader, start=1):
            row = _row(path, reader.line_num, record)
            rows.append(replace(row, held_out=number % HELD_OUT_EVERY == 0))
    except csv.Error as error:
        raise ManifestError(f"{path} line {reader.line_num}: {error}") from None
    return rows


def _row(manifest: Path, line: int, record: dict[str, str | None]) -> ManifestRow:
    where = f"{manifest} line {line}"
    clip, label = (record.get("clip") or "").strip(), (record.get("label") or "").strip()
    if not clip:
        raise ManifestError(f"{where}: empty clip")
    if label not in LABELS:
        raise ManifestError(f"{where}: unknown label {label!r} (expected {', '.join(LABELS)})")
    times = {name: _seconds(where, name, record.get(name)) for name in TIME_COLUMNS}
    source = (record.get("source") or "").strip() or Path(clip).parts[0]
    return ManifestRow(line, clip, manifest.parent / clip, label, source, Annotations(**times))


def _seconds(where: str, column: str, value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ManifestError(f"{where}: {column} {value!r} is not a number of seconds") from None
    if not seconds >= 0:
        raise ManifestError(f"{where}: {column} must be ≥ 0, got {value!r}")
    return seconds


def read_annotations(path: Path) -> dict[str, Annotations]:
    """Extra timing labels by clip (`clip,fall_start_s,floor_s`), kept apart from a manifest."""
    return {row.clip: row.annotations for row in _annotation_rows(path)}


def _annotation_rows(path: Path) -> list[ManifestRow]:
    if not path.is_file():
        raise ManifestError(f"{path}: annotations not found")
    text = path.read_text(encoding="utf-8-sig")
    lines = [line for line in text.splitlines() if not line.startswith("#")]  # comments
    reader = csv.DictReader(lines)
    if "clip" not in (reader.fieldnames or []):
        raise ManifestError(f"{path}: missing column clip (expected clip,floor_s,...)")
    return [_row(path, reader.line_num, {**record, "label": "fall"}) for record in reader]


def with_annotations(rows: list[ManifestRow], extra: dict[str, Annotations]) -> list[ManifestRow]:
    """Rows with times from `extra` filled in where the manifest itself gives none."""
    merged = []
    for row in rows:
        found = extra.get(row.clip)
        if found is not None:
            mine = row.annotations
            row = replace(
                row,
                annotations=Annotations(
                    mine.fall_start_s if mine.fall_start_s is not None else found.fall_start_s,
                    mine.floor_s if mine.floor_s is not None else found.floor_s,
                ),
            )
        merged.append(row)
    return merged
