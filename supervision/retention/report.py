"""What a retention pass did, and the one line it logs: bytes freed, why the rest stays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from supervision.config import RetentionConfig
from supervision.retention.disk import DiskSpace, format_bytes
from supervision.retention.scan import KeepReason, KeptMedia, MediaFile

DeletionReason = Literal["age", "disk_pressure"]
KEEP_TEXT: dict[KeepReason, str] = {
    "on_hold": "on hold or inspection evidence",
    "open_incident": "of open incidents",
    "newest": "newest",
}


@dataclass(frozen=True, slots=True)
class MediaDeletion:
    file: MediaFile
    reason: DeletionReason
    bytes: int  # 0 when the file was already gone (its path is cleared all the same)
    missing: bool


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """One pass: what went, and what it would have deleted but kept, by reason.

    `kept` holds the files due by age that stay and, when the disk is still short at the end
    (`pressure_left`), every file left; `space` is the media disk after the pass (None when
    the disk was not short, or not read).
    """

    deleted: tuple[MediaDeletion, ...]
    kept: tuple[KeptMedia, ...] = ()
    pressure_left: bool = False  # still short of free space once every deletable file was gone
    space: DiskSpace | None = None
    failed: int = 0  # deletions that failed (each logged)

    @property
    def bytes_freed(self) -> int:
        return sum(deletion.bytes for deletion in self.deleted)

    @property
    def kept_held(self) -> int:
        """Files kept for a legal hold (or as inspection evidence)."""
        return sum(kept.files for kept in self.kept if kept.reason == "on_hold")


def describe_pass(report: RetentionReport, config: RetentionConfig) -> str | None:
    """The pass in one line: bytes freed, and why the rest is kept; None for a quiet pass."""
    if not report.deleted and report.space is None and not report.failed:
        return None
    parts = [_freed(report)]
    if report.space is not None:
        parts.insert(0, _disk_text(report.space, config, report.pressure_left))
    if report.kept:
        parts.append(_kept_text(report.kept, config))
    if report.failed:
        parts.append(f"{report.failed} could not be deleted (see above)")
    if report.pressure_left and report.space is not None:
        parts.append(_other_files_text(report))
    return "retention: " + "; ".join(parts)


def _freed(report: RetentionReport) -> str:
    by_age = sum(1 for deletion in report.deleted if deletion.reason == "age")
    by_pressure = len(report.deleted) - by_age
    how = []
    if by_age:
        how.append(f"{by_age} past their age")
    if by_pressure:
        how.append(f"{by_pressure} oldest first for disk space")
    files = f" ({', '.join(how)})" if how else ""
    return f"freed {format_bytes(report.bytes_freed)}: {len(report.deleted)} files{files}"


def _disk_text(space: DiskSpace, config: RetentionConfig, short: bool) -> str:
    fraction = space.free_bytes / space.total_bytes if space.total_bytes else 0.0
    state = "media disk still short of space" if short else "media disk was short of space"
    wants = []
    if config.min_free_disk_fraction > 0:
        wants.append(f"{config.min_free_disk_fraction:.0%}")
    if config.min_free_disk_bytes > 0:
        wants.append(format_bytes(config.min_free_disk_bytes))
    free = f"{format_bytes(space.free_bytes)} free ({fraction:.1%})"
    return f"{state}, now {free}, wanted {' / '.join(wants)}"


def _kept_text(kept: tuple[KeptMedia, ...], config: RetentionConfig) -> str:
    total = sum(item.bytes for item in kept)
    parts = []
    for item in kept:
        why = KEEP_TEXT[item.reason]
        if item.reason == "newest":
            why = f"newest (events of the last {config.keep_newest_h:g} h)"
        parts.append(f"{item.files} {why} ({format_bytes(item.bytes)})")
    count = sum(item.files for item in kept)
    return f"kept {count} files, {format_bytes(total)}: {', '.join(parts)}"


def _other_files_text(report: RetentionReport) -> str:
    space = report.space
    assert space is not None
    used = space.total_bytes - space.free_bytes
    media = sum(item.bytes for item in report.kept)
    return f"media left use {format_bytes(media)} of the {format_bytes(used)} used on the disk"
