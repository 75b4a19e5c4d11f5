"""API schemas of events: the event, its workflow steps and the family notice."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import AwareDatetime, ConfigDict, Field

from dashboard.schemas.common import NO_NUL, Schema, media_url
from supervision.events.views import (
    EventView,
    FamilyNotice,
    FamilyNoticeMethod,
    TransitionAction,
    TransitionView,
)


class EventAction(StrEnum):
    """Workflow actions as spelled in URLs."""

    ACKNOWLEDGE = "acknowledge"
    ON_SCENE = "on-scene"
    RESOLVE = "resolve"
    FALSE_ALARM = "false-alarm"

    @property
    def store_action(self) -> TransitionAction:
        actions: dict[str, TransitionAction] = {
            "acknowledge": "acknowledge",
            "on-scene": "on_scene",
            "resolve": "resolve",
            "false-alarm": "false_alarm",
        }
        return actions[self.value]


class FamilyNoticeIn(Schema):
    """Resolving a fall or long lie needs this: when, how and by whom the family was told."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    notified_at: AwareDatetime = Field(description="When the family was told (with its offset).")
    method: FamilyNoticeMethod
    by: str = Field(min_length=1, max_length=200, description="Who told them.")

    def record(self) -> FamilyNotice:
        return FamilyNotice(self.notified_at.astimezone(UTC), self.method, self.by)

    @classmethod
    def from_record(cls, notice: FamilyNotice) -> FamilyNoticeIn:
        return cls(notified_at=notice.notified_at, method=notice.method, by=notice.by)


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(
        default=None, max_length=2000, pattern=NO_NUL, description="Free text kept in the history."
    )
    family: FamilyNoticeIn | None = Field(
        default=None, description="Required to resolve a fall or long lie."
    )


class TransitionOut(Schema):
    from_status: str
    to_status: str
    actor: str
    note: str | None
    at: datetime
    family: FamilyNoticeIn | None = None

    @classmethod
    def from_view(cls, view: TransitionView) -> TransitionOut:
        return cls(
            from_status=str(view.from_status),
            to_status=str(view.to_status),
            actor=view.actor,
            note=view.note,
            at=view.at,
            family=None if view.family is None else FamilyNoticeIn.from_record(view.family),
        )


class EventOut(Schema):
    id: int
    key: str
    parent_key: str | None
    type: str
    severity: str
    camera_id: str
    start_s: float
    end_s: float | None
    started_at: datetime
    ended_at: datetime | None
    confidence: float
    level: int
    category: str
    zone_id: str | None
    track_id: int | None
    snapshot_url: str | None = Field(description="Under /media/, or None when not written yet.")
    clip_url: str | None = Field(description="Under /media/, or None when not written yet.")
    clip_start_s: float | None = Field(description="Video time of the clip's first frame.")
    thresholds: dict[str, float]
    model_versions: dict[str, str]
    status: str
    status_by: str | None
    status_at: datetime | None
    status_note: str | None
    escalated_to: str | None
    revision: int
    transitions: list[TransitionOut]
    raised_at: datetime = Field(
        description="When the detector raised it; a long lie starts earlier, when the lying began."
    )
    incident_id: int | None = Field(description="The incident it belongs to.")
    node_id: str | None = Field(
        default=None, description="The node that analysed it; None: recorded before nodes."
    )

    @classmethod
    def from_view(cls, view: EventView, media_root: Path) -> EventOut:
        return cls(
            id=view.id,
            key=view.key,
            parent_key=view.parent_key,
            type=view.type,
            severity=view.severity,
            camera_id=view.camera_id,
            start_s=view.start_s,
            end_s=view.end_s,
            started_at=view.started_at,
            ended_at=view.ended_at,
            confidence=view.confidence,
            level=view.level,
            category=view.category,
            zone_id=view.zone_id,
            track_id=view.track_id,
            snapshot_url=media_url(view.snapshot_path, media_root),
            clip_url=media_url(view.clip_path, media_root),
            clip_start_s=view.clip_start_s,
            thresholds=dict(view.thresholds),
            model_versions=dict(view.model_versions),
            status=str(view.status),
            status_by=view.status_by,
            status_at=view.status_at,
            status_note=view.status_note,
            escalated_to=view.escalated_to,
            revision=view.revision,
            transitions=[TransitionOut.from_view(t) for t in view.transitions],
            raised_at=view.raised_at,
            incident_id=view.incident_id,
            node_id=view.node_id,
        )
