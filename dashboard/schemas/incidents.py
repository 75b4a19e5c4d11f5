"""API schemas of incidents: the card, its events, its history and its phone pushes."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from dashboard.schemas.common import NO_NUL, Schema
from dashboard.schemas.events import FamilyNoticeIn
from supervision.events.views import IncidentEventBrief, IncidentStepView, IncidentView, PushView
from supervision.tables import INT_MAX


class IncidentTransitionIn(Schema):
    """A step on an incident; the actor is the signed-in user."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(
        default=None, max_length=2000, pattern=NO_NUL, description="Kept in its history."
    )
    family: FamilyNoticeIn | None = Field(
        default=None, description="Required to resolve an incident holding a fall or long lie."
    )
    seen_event_id: int | None = Field(
        default=None,
        ge=1,
        le=INT_MAX,
        description="The newest event the person's view held: the step applies to the events "
        "up to it, and a closing step is refused (409) while a later one is open. None: all.",
    )


class IncidentEventOut(Schema):
    id: int
    type: str
    severity: str
    status: str
    started_at: datetime
    raised_at: datetime = Field(description="When it was raised (a long lie: after lying).")
    track_id: int | None
    pending: bool = Field(description="Joined after the incident was acknowledged; not yet seen.")

    @classmethod
    def from_view(cls, view: IncidentEventBrief) -> IncidentEventOut:
        return cls(
            id=view.id,
            type=view.type,
            severity=view.severity,
            status=str(view.status),
            started_at=view.started_at,
            raised_at=view.raised_at,
            track_id=view.track_id,
            pending=view.pending,
        )


class IncidentStepOut(Schema):
    action: str = Field(
        description="acknowledge, on_scene, resolve, false_alarm, reopen, escalate or remind."
    )
    from_status: str
    to_status: str
    actor: str
    note: str | None
    at: datetime
    event_ids: list[int] = Field(description="The events the step covered.")
    escalated_to: str | None
    family: FamilyNoticeIn | None

    @classmethod
    def from_view(cls, view: IncidentStepView) -> IncidentStepOut:
        family = None if view.family is None else FamilyNoticeIn.from_record(view.family)
        return cls(
            action=view.action,
            from_status=str(view.from_status),
            to_status=str(view.to_status),
            actor=view.actor,
            note=view.note,
            at=view.at,
            event_ids=list(view.event_ids),
            escalated_to=view.escalated_to,
            family=family,
        )


class PushOut(Schema):
    group: str
    kind: str = Field(description="new, reminder or escalation.")
    status: str = Field(description="pending (being sent or retried), sent or gave_up.")
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_view(cls, view: PushView) -> PushOut:
        return cls(
            group=view.group,
            kind=view.kind,
            status=view.status,
            attempts=view.attempts,
            last_error=view.last_error,
            created_at=view.created_at,
            sent_at=view.sent_at,
        )


class IncidentOut(Schema):
    id: int
    facility_id: str
    camera_id: str
    category: str = Field(description="Of its first event.")
    status: str = Field(description="Moved by people's steps; events joining never move it back.")
    opened_at: datetime
    last_event_at: datetime
    updated_at: datetime
    event_ids: list[int] = Field(description="Its events, oldest first (see /api/events/{id}).")
    event_types: list[str] = Field(description="The type of each of `event_ids`.")
    escalated_to: str | None = Field(description="How far it was raised for want of an answer.")
    escalated_at: datetime | None
    severity: str = Field(description="The gravest of its events': info, warning or critical.")
    level: int = Field(description="The highest escalation level of its events.")
    fall_count: int = Field(description="How many falls it holds.")
    events: list[IncidentEventOut] = Field(description="Parallel to `event_ids`.")
    pending_event_ids: list[int] = Field(
        description="Events that joined after it was acknowledged and wait to be acknowledged."
    )
    unacknowledged: bool = Field(description="New, or holding pending events: the alarm rings.")
    steps: list[IncidentStepOut] = Field(
        description="Its history, one row per action (single incidents only; [] in lists)."
    )
    pushes: list[PushOut] = Field(description="Its pushes to phone groups.")

    @classmethod
    def from_view(cls, view: IncidentView) -> IncidentOut:
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            camera_id=view.camera_id,
            category=view.category,
            status=str(view.status),
            opened_at=view.opened_at,
            last_event_at=view.last_event_at,
            updated_at=view.updated_at,
            event_ids=list(view.event_ids),
            event_types=list(view.event_types),
            escalated_to=view.escalated_to,
            escalated_at=view.escalated_at,
            severity=view.severity,
            level=view.level,
            fall_count=view.fall_count,
            events=[IncidentEventOut.from_view(event) for event in view.events],
            pending_event_ids=list(view.pending_event_ids),
            unacknowledged=view.unacknowledged,
            steps=[IncidentStepOut.from_view(step) for step in view.steps],
            pushes=[PushOut.from_view(push) for push in view.pushes],
        )
