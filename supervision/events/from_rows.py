"""Conversions from table rows to the frozen views the store hands out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from supervision.events.grouping import is_pending
from supervision.events.views import (
    CameraView,
    EventStatus,
    EventView,
    FacilityRecord,
    FamilyNotice,
    FamilyNoticeMethod,
    IncidentAction,
    IncidentEventBrief,
    IncidentStepView,
    IncidentView,
    MediaObjects,
    PushView,
    TransitionView,
)
from supervision.tables import (
    Camera,
    Event,
    EventTransition,
    Facility,
    Incident,
    IncidentStep,
    PushDelivery,
)

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
        node_id=row.node_id,
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


def _family_notice(row: EventTransition | IncidentStep) -> FamilyNotice | None:
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
        detected_at=row.detected_at,
        incident_id=row.incident_id,
        node_id=row.node_id,
        media_objects=_media_objects(row),
    )


def _media_objects(row: Event) -> MediaObjects | None:
    if row.snapshot_object is None and row.clip_object is None:
        return None
    return MediaObjects(row.snapshot_object, row.snapshot_sha256, row.clip_object, row.clip_sha256)


def incident_step_view(row: IncidentStep) -> IncidentStepView:
    return IncidentStepView(
        id=row.id,
        action=cast(IncidentAction, row.action),
        from_status=EventStatus(row.from_status),
        to_status=EventStatus(row.to_status),
        actor=row.actor,
        note=row.note,
        at=row.at,
        event_ids=tuple(row.event_ids),
        escalated_to=row.escalated_to,
        family=_family_notice(row),
    )


def push_view(row: PushDelivery) -> PushView:
    return PushView(
        group=row.group_name,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def _brief(row: Event, incident_status: str) -> IncidentEventBrief:
    return IncidentEventBrief(
        id=row.id,
        type=row.type,
        severity=row.severity,
        status=EventStatus(row.status),
        started_at=row.started_at,
        raised_at=row.detected_at or row.started_at,
        track_id=row.track_id,
        pending=is_pending(incident_status, row.status),
    )


def incident_view(row: Incident, *, with_steps: bool = False) -> IncidentView:
    """The incident as its card shows it; `with_steps` adds its history (the review)."""
    steps = tuple(incident_step_view(step) for step in row.steps) if with_steps else ()
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
        escalated_to=row.escalated_to,
        severity=_gravest(event.severity for event in row.events),
        level=max((event.level for event in row.events), default=1),
        events=tuple(_brief(event, row.status) for event in row.events),
        escalated_at=row.escalated_at,
        steps=steps,
        pushes=tuple(push_view(push) for push in row.pushes),
    )


def _gravest(severities: Iterable[str]) -> str:
    known = [SEVERITIES.index(value) for value in severities if value in SEVERITIES]
    return SEVERITIES[max(known)] if known else SEVERITIES[0]
