"""Events with media files on disk for the retention tests, and a disk that holds just them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from supervision.events.incidents import transition_event
from supervision.events.store import EventStore
from supervision.retention.disk import DiskSpace
from supervision.retention.holds import place_hold
from supervision.tables import AuditEntry
from tests.conftest import T0_EPOCH_S
from tests.store_calls import write
from vision.events import SafetyEvent

T0 = datetime.fromtimestamp(T0_EPOCH_S, UTC)
NOW = T0 + timedelta(days=100)
MakeEvent = Callable[..., SafetyEvent]


def record_media(
    store: EventStore,
    media_root: Path,
    event: SafetyEvent,
    clip_bytes: int = 1000,
    snapshot_bytes: int = 100,
    open_incident: bool = False,
) -> int:
    """Stores `event` with a clip and a snapshot of these sizes; its incident closed unless
    `open_incident`."""
    event_id = store.record_event(event)
    clip = write_file(media_root / "clips" / f"{event.key}.mp4", clip_bytes)
    snapshot = write_file(media_root / "snapshots" / f"{event.key}.jpg", snapshot_bytes)
    store.attach_media(
        event.key, snapshot.relative_to(media_root), clip.relative_to(media_root), 0.5
    )
    if not open_incident:
        close(store, event_id)
    return event_id


def close(store: EventStore, event_id: int) -> None:
    """The event's incident closed: a false alarm."""
    write(store, transition_event, event_id, "false_alarm", "officer", "cat on the bed")


def write_file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    return path


def hold(store: EventStore, event_id: int, actor: str = "inspector") -> None:
    with store.sessions.begin() as session:
        place_hold(session, event_id, actor, "complaint under review")


def media_deletions(store: EventStore) -> list[AuditEntry]:
    with store.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "media_deleted")
        return list(session.scalars(query.order_by(AuditEntry.seq)))


def used_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def disk_of(capacity: int) -> Callable[[Path], DiskSpace]:
    """A disk of `capacity` bytes that holds exactly the files under the root."""

    def free_space(path: Path) -> DiskSpace:
        return DiskSpace(free_bytes=capacity - used_bytes(path), total_bytes=capacity)

    return free_space
