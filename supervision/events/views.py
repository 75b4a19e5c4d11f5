"""Domain views: frozen records the supervision domain hands out (not rows, not API schemas)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

TransitionAction = Literal["acknowledge", "on_scene", "resolve", "false_alarm", "reopen"]
# What an incident's history holds: people's steps, and the system's escalations and reminders.
IncidentAction = Literal[
    "acknowledge", "on_scene", "resolve", "false_alarm", "reopen", "escalate", "remind"
]
FamilyNoticeMethod = Literal["phone", "sms", "wechat", "in_person", "other"]


class EventStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    FALSE_ALARM = "false_alarm"


@dataclass(frozen=True, slots=True)
class MediaObjects:
    """An event's snapshot and clip in the district's object store: keys and SHA-256s."""

    snapshot_object: str | None = None
    snapshot_sha256: str | None = None
    clip_object: str | None = None
    clip_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class StreetRecord:
    """A street and its district as configured (upserted by `EventStore.sync_topology`)."""

    id: str
    name: str
    district_id: str
    district_name: str


@dataclass(frozen=True, slots=True)
class FacilityRecord:
    """A facility as configured (upserted by `EventStore.sync_topology`)."""

    id: str
    name: str
    kind: str = "institution"
    timezone: str = "Asia/Shanghai"
    street_id: str | None = None  # None: left where the tree has it
    beds: int = 0
    address: str | None = None


@dataclass(frozen=True, slots=True)
class CameraRecord:
    """A camera as configured (upserted by `EventStore.sync_topology`)."""

    id: str
    facility_id: str
    name: str
    source_kind: str


@dataclass(frozen=True, slots=True)
class FamilyNotice:
    """When, how and by whom the resident's family was told (closing a fall asks for it)."""

    notified_at: datetime  # UTC-aware
    method: FamilyNoticeMethod
    by: str


@dataclass(frozen=True, slots=True)
class TransitionView:
    """One step of an event's status history: who moved it, from what to what, when."""

    from_status: EventStatus
    to_status: EventStatus
    actor: str
    note: str | None
    at: datetime
    family: FamilyNotice | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    """A stored event with its workflow state and history; datetimes are UTC-aware."""

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
    level: int  # escalation level (a long lie that lasts is raised again)
    category: str  # GB 38600 risk, fire_safety, staff_duty or camera_health
    zone_id: str | None
    track_id: int | None
    snapshot_path: str | None
    clip_path: str | None
    clip_start_s: float | None
    thresholds: Mapping[str, float]
    model_versions: Mapping[str, str]
    status: EventStatus
    status_by: str | None
    status_at: datetime | None
    status_note: str | None
    escalated_to: str | None  # "street" or "district" once nobody acknowledged it in time
    revision: int
    created_at: datetime
    transitions: tuple[TransitionView, ...]
    detected_at: datetime | None = None  # when it was raised; None: not recorded (older rows)
    incident_id: int | None = None
    node_id: str | None = None  # the node that analysed it; None: recorded before nodes were
    media_objects: MediaObjects | None = None  # where the object store keeps its media

    @property
    def is_open(self) -> bool:
        return self.end_s is None

    @property
    def raised_at(self) -> datetime:
        """When the detector raised it (a long lie starts earlier, when the lying began)."""
        return self.detected_at or self.started_at


@dataclass(frozen=True, slots=True)
class CameraView:
    """A camera with its last reported health; datetimes are UTC-aware."""

    id: str
    facility_id: str
    name: str
    source_kind: str
    state: str
    last_frame_at: datetime | None
    fps: float
    frames_read: int
    frames_dropped: int
    reconnects: int
    last_error: str | None
    updated_at: datetime
    node_id: str | None = None  # the node that runs it; None: not run since nodes were recorded


@dataclass(frozen=True, slots=True)
class IncidentEventBrief:
    """One event of an incident, as its card and review list it."""

    id: int
    type: str
    severity: str
    status: EventStatus
    started_at: datetime
    raised_at: datetime  # when the detector raised it (`detected_at`, else `started_at`)
    track_id: int | None
    pending: bool  # joined after the incident was acknowledged, not acknowledged itself


@dataclass(frozen=True, slots=True)
class IncidentStepView:
    """One action on an incident: who, what, when, on which of its events."""

    id: int
    action: IncidentAction
    from_status: EventStatus
    to_status: EventStatus
    actor: str
    note: str | None
    at: datetime
    event_ids: tuple[int, ...]
    escalated_to: str | None = None
    family: FamilyNotice | None = None


@dataclass(frozen=True, slots=True)
class PushView:
    """One push of an incident to a phone group, and how it went."""

    group: str
    kind: str  # new, reminder, escalation
    status: str  # pending, sent, gave_up
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class IncidentView:
    """Related events handled as one. Datetimes UTC-aware.

    Its status moves with people's steps; an event that joins later never moves it back, it
    is `pending` (new information) until acknowledged.
    """

    id: int
    facility_id: str
    camera_id: str
    category: str  # of its first event
    status: EventStatus
    opened_at: datetime  # its first event's start
    last_event_at: datetime  # its latest event's start
    updated_at: datetime
    event_ids: tuple[int, ...]  # oldest first
    event_types: tuple[str, ...]  # parallel to event_ids
    escalated_to: str | None  # how far it was raised for want of acknowledgement
    severity: str = "info"  # the gravest of its events': info, warning, critical
    level: int = 1  # the highest of its events' levels (a long lie that goes on rises)
    events: tuple[IncidentEventBrief, ...] = ()  # parallel to event_ids
    escalated_at: datetime | None = None
    steps: tuple[IncidentStepView, ...] = ()
    pushes: tuple[PushView, ...] = ()

    @property
    def is_closed(self) -> bool:
        return self.status in (EventStatus.RESOLVED, EventStatus.FALSE_ALARM)

    @property
    def pending_event_ids(self) -> tuple[int, ...]:
        return tuple(event.id for event in self.events if event.pending)

    @property
    def fall_count(self) -> int:
        return self.event_types.count("fall")

    @property
    def unacknowledged(self) -> bool:
        """Nobody has acknowledged it, or what joined it since."""
        return self.status is EventStatus.NEW or bool(self.pending_event_ids)
