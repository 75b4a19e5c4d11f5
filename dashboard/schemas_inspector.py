"""API schemas of the inspector's pages: overview tree, incident timeline, audit rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dashboard.schemas import media_url
from supervision.audit.chain import AuditRecord
from supervision.events.timeline import Timeline, TimelineEntry
from supervision.reports.overview import Counts, OverviewNode


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CountsOut(_Schema):
    open_incidents: int = Field(description="Incidents not yet resolved or closed as false alarms.")
    overdue_hazards: int = Field(description="Hazards still to fix whose deadline has passed.")
    cameras_offline: int = Field(
        description="Cameras giving no picture: offline, stalled, stopped."
    )
    cameras: int

    @classmethod
    def from_counts(cls, counts: Counts) -> CountsOut:
        return cls(
            open_incidents=counts.open_incidents,
            overdue_hazards=counts.overdue_hazards,
            cameras_offline=counts.cameras_offline,
            cameras=counts.cameras,
        )


class OverviewNodeOut(_Schema):
    kind: str = Field(description="district, street or facility")
    id: str
    name: str
    timezone: str | None = Field(description="Facilities: their IANA time zone.")
    counts: CountsOut = Field(description="A facility's own; a street's or district's summed.")
    children: list[OverviewNodeOut]

    @classmethod
    def from_node(cls, node: OverviewNode) -> OverviewNodeOut:
        return cls(
            kind=str(node.kind),
            id=node.id,
            name=node.name,
            timezone=node.timezone,
            counts=CountsOut.from_counts(node.counts),
            children=[cls.from_node(child) for child in node.children],
        )


class OverviewOut(_Schema):
    generated_at: datetime
    roots: list[OverviewNodeOut] = Field(description="The user's node, or every district.")


class TimelineEventOut(_Schema):
    id: int
    incident_id: int | None
    type: str
    severity: str
    status: str
    camera_id: str
    camera_name: str
    started_at: datetime
    ended_at: datetime | None
    start_s: float
    confidence: float
    snapshot_url: str | None
    clip_url: str | None = Field(description="Add ?download=true to save it (audited).")
    clip_start_s: float | None = Field(description="Video time of the clip's first frame.")
    clip_fps: float | None = Field(description="Frames per second of the clip, for stepping.")

    @classmethod
    def from_entry(
        cls, entry: TimelineEntry, media_root: Path, clip_fps: float | None
    ) -> TimelineEventOut:
        event = entry.event
        return cls(
            id=event.id,
            incident_id=entry.incident_id,
            type=event.type,
            severity=event.severity,
            status=str(event.status),
            camera_id=event.camera_id,
            camera_name=entry.camera_name,
            started_at=event.started_at,
            ended_at=event.ended_at,
            start_s=event.start_s,
            confidence=event.confidence,
            snapshot_url=media_url(event.snapshot_path, media_root),
            clip_url=media_url(event.clip_path, media_root),
            clip_start_s=event.clip_start_s,
            clip_fps=clip_fps,
        )


class TimelineOut(_Schema):
    incident_id: int
    facility_id: str
    window_s: int
    start: datetime = Field(description="The incident's first event less the window.")
    end: datetime = Field(description="The incident's last event plus the window.")
    events: list[TimelineEventOut] = Field(description="Oldest first.")
    truncated: bool = Field(description="More events lay in the window than are listed.")

    @classmethod
    def from_timeline(
        cls, timeline: Timeline, window_s: int, events: list[TimelineEventOut]
    ) -> TimelineOut:
        return cls(
            incident_id=timeline.incident_id,
            facility_id=timeline.facility_id,
            window_s=window_s,
            start=timeline.start,
            end=timeline.end,
            events=events,
            truncated=timeline.truncated,
        )


class AuditOut(_Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any]

    @classmethod
    def from_record(cls, record: AuditRecord) -> AuditOut:
        return cls(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            detail=dict(record.detail),
        )
