"""Conversions from table rows to the frozen views the store hands out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from supervision.records import (
    CameraView,
    EventStatus,
    EventView,
    FacilityRecord,
    FamilyNotice,
    FamilyNoticeMethod,
    IncidentView,
    TransitionView,
)
from supervision.tables import Camera, Event, EventTransition, Facility, Incident

# Escalation levels, lowest first.
ESCALATION_LEVELS = ("street", "district")
# Severities, mildest first.
SEVERITIES = ("info", "warning", "critical")


def epoch_to_utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def facility_record(row: Facility) -> FacilityRecord:
    return FacilityRecord(id=row.id, name=row.name, kind=row.kind, timezone=row.timezone)


def camera_view(row: Camera) -> CameraView:
    return CameraView(
        id=row.id,
        facility_id=row.facility_id,
        name=row.name,
        source_kind=row.source_kind,
        state=row.state,
        last_frame_at=row.last_frame_at,
        fps=row.fps,
        frames_read=row.frames_read,
        frames_dropped=row.frames_dropped,
        reconnects=row.reconnects,
        last_error=row.last_error,
        updated_at=row.updated_at,
    )


def transition_view(row: EventTransition) -> TransitionView:
    return TransitionView(
        from_status=EventStatus(row.from_status),
        to_status=EventStatus(row.to_status),
        actor=row.actor,
        note=row.note,
        at=row.at,
        family=_family_notice(row),
    )


def _family_notice(row: EventTransition) -> FamilyNotice | None:
    if row.family_notified_at is None:
        return None
    method = cast(FamilyNoticeMethod, row.family_notify_method)
    return FamilyNotice(row.family_notified_at, method, row.family_notified_by or "")


def event_view(row: Event) -> EventView:
    return EventView(
        id=row.id,
        key=row.key,
        parent_key=row.parent_key,
        type=row.type,
        severity=row.severity,
        camera_id=row.camera_id,
        start_s=row.start_s,
        end_s=row.end_s,
        started_at=row.started_at,
        ended_at=row.ended_at,
        confidence=row.confidence,
        level=row.level,
        category=row.category,
        zone_id=row.zone_id,
        track_id=row.track_id,
        snapshot_path=row.snapshot_path,
        clip_path=row.clip_path,
        clip_start_s=row.clip_start_s,
        thresholds=dict(row.thresholds),
        model_versions=dict(row.model_versions),
        status=EventStatus(row.status),
        status_by=row.status_by,
        status_at=row.status_at,
        status_note=row.status_note,
        escalated_to=row.escalated_to,
        revision=row.revision,
        created_at=row.created_at,
        transitions=tuple(transition_view(t) for t in row.transitions),
    )


def incident_view(row: Incident) -> IncidentView:
    return IncidentView(
        id=row.id,
        facility_id=row.facility_id,
        camera_id=row.camera_id,
        category=row.category,
        status=EventStatus(row.status),
        opened_at=row.opened_at,
        last_event_at=row.last_event_at,
        updated_at=row.updated_at,
        event_ids=tuple(event.id for event in row.events),
        event_types=tuple(event.type for event in row.events),
        escalated_to=_furthest_escalation(event.escalated_to for event in row.events),
        severity=_gravest(event.severity for event in row.events),
        level=max((event.level for event in row.events), default=1),
    )


def _gravest(severities: Iterable[str]) -> str:
    known = [SEVERITIES.index(value) for value in severities if value in SEVERITIES]
    return SEVERITIES[max(known)] if known else SEVERITIES[0]


def _furthest_escalation(levels: Iterable[str | None]) -> str | None:
    reached = [ESCALATION_LEVELS.index(level) for level in levels if level in ESCALATION_LEVELS]
    return ESCALATION_LEVELS[max(reached)] if reached else None
