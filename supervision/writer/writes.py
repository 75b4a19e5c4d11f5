"""The writes a sink queues and spools: typed items with a JSON form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

from supervision.writer.spool import Record
from vision.events import EventType, SafetyEvent, Severity


class WriteTarget(Protocol):
    """The part of `EventStore` a sink writes through."""

    def record_event(self, event: SafetyEvent) -> int: ...

    def attach_media(
        self,
        event_key: str,
        snapshot_path: str | None = None,
        clip_path: str | None = None,
        clip_start_s: float | None = None,
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class EventWrite:
    event: SafetyEvent

    @property
    def event_key(self) -> str:
        return self.event.key

    def apply(self, target: WriteTarget) -> int:
        return target.record_event(self.event)

    def to_record(self) -> Record:
        return {"kind": "event", "event": dataclasses.asdict(self.event)}


@dataclass(frozen=True, slots=True)
class MediaWrite:
    event_key: str
    snapshot_path: str | None
    clip_path: str | None
    clip_start_s: float | None

    def apply(self, target: WriteTarget) -> int:
        return target.attach_media(
            self.event_key, self.snapshot_path, self.clip_path, self.clip_start_s
        )

    def to_record(self) -> Record:
        return {"kind": "media", **dataclasses.asdict(self)}


Write = EventWrite | MediaWrite


def write_from_record(record: Record) -> Write:
    """Inverse of `to_record`; raises ValueError/KeyError/TypeError on a malformed record."""
    kind = record.get("kind")
    if kind == "event":
        return EventWrite(_event_from_dict(record["event"]))
    if kind == "media":
        fields = {name: value for name, value in record.items() if name != "kind"}
        return MediaWrite(**fields)
    raise ValueError(f"unknown spooled write kind {kind!r}")


def _event_from_dict(data: dict[str, Any]) -> SafetyEvent:
    values = {**data, "type": EventType(data["type"]), "severity": Severity(data["severity"])}
    return SafetyEvent(**values)
