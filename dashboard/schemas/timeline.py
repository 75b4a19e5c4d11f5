"""API schemas of an incident's timeline: the facility's events around it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field

from dashboard.schemas.common import Schema, media_url
from supervision.events.timeline import Timeline, TimelineEntry


class TimelineEventOut(Schema):
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


class TimelineOut(Schema):
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
