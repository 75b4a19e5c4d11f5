"""Table rows of events and incidents, their steps, push deliveries and the change journal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.tables.base import Base, UTCDateTime, utc_now


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    parent_key: Mapped[str | None] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    node_id: Mapped[str | None] = mapped_column(String(64))  # the node that analysed it
    start_s: Mapped[float]
    end_s: Mapped[float | None]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confidence: Mapped[float]
    level: Mapped[int] = mapped_column(default=1, server_default="1")
    category: Mapped[str] = mapped_column(String(32), index=True, server_default="falls")
    zone_id: Mapped[str | None] = mapped_column(String(64))
    track_id: Mapped[int | None]
    snapshot_path: Mapped[str | None] = mapped_column(Text)
    clip_path: Mapped[str | None] = mapped_column(Text)
    clip_start_s: Mapped[float | None]
    # In the district's object store (a site uploads them): the key and the file's SHA-256.
    snapshot_object: Mapped[str | None] = mapped_column(String(512))
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    clip_object: Mapped[str | None] = mapped_column(String(512))
    clip_sha256: Mapped[str | None] = mapped_column(String(64))
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    model_versions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    status_by: Mapped[str | None] = mapped_column(String(200))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_note: Mapped[str | None] = mapped_column(Text)
    escalated_to: Mapped[str | None] = mapped_column(String(16))  # street, then district
    revision: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # When the detector raised it (a long lie starts when the lying began, and is raised
    # later); None for rows written before it was recorded: `started_at` stands in.
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The incident it is grouped into (None only for rows written outside EventStore).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)

    transitions: Mapped[list[EventTransition]] = relationship(
        back_populates="event",
        order_by="EventTransition.id",
        cascade="all, delete-orphan",
    )
    incident: Mapped[Incident | None] = relationship(back_populates="events")


class EventTransition(Base):
    __tablename__ = "event_transitions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    family_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    family_notify_method: Mapped[str | None] = mapped_column(String(16))
    family_notified_by: Mapped[str | None] = mapped_column(String(200))

    event: Mapped[Event] = relationship(back_populates="transitions")


class Incident(Base):
    """Related events (a fall and its long lie, repeated smoke) handled as one."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))  # of its first event
    family: Mapped[str] = mapped_column(String(32))  # type family events must share to join
    # Moved by people's steps (supervision.events.incidents); an event joining never moves it back.
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_event_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    escalated_to: Mapped[str | None] = mapped_column(String(16))  # street, then district
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[Event]] = relationship(
        back_populates="incident", order_by=[Event.started_at, Event.id]
    )
    steps: Mapped[list[IncidentStep]] = relationship(
        order_by="IncidentStep.id", cascade="all, delete-orphan"
    )
    pushes: Mapped[list[PushDelivery]] = relationship(
        order_by="PushDelivery.id", cascade="all, delete-orphan"
    )


class IncidentStep(Base):
    """One action on an incident, as the review lists it: a person's step, or the system's
    escalation or reminder; `event_ids` are the events it covered."""

    __tablename__ = "incident_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    event_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    escalated_to: Mapped[str | None] = mapped_column(String(16))
    family_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    family_notify_method: Mapped[str | None] = mapped_column(String(16))
    family_notified_by: Mapped[str | None] = mapped_column(String(200))


class PushDelivery(Base):
    """One push of an incident to one phone group: the new incident, a reminder or an
    escalation, each at most once; retried until sent or given up."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        Index("ix_push_deliveries_once", "incident_id", "group_name", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    group_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # new, reminder, escalation
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, sent, gave_up
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EventChange(Base):
    """One published change of an event, at the revision it was made (the publisher's journal).

    An event row only holds its latest revision; this keeps each new event, end and history
    step, so a receiver that was away still gets every one of them, in order.
    """

    __tablename__ = "event_changes"

    revision: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # new, ended, updated, transition, escalated
    transition_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_transitions.id", ondelete="CASCADE"), index=True
    )
    escalated_to: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # The district node it was taken in from; None: made here (only those are sent on).
    origin: Mapped[str | None] = mapped_column(String(64))

    event: Mapped[Event] = relationship()
    transition: Mapped[EventTransition | None] = relationship()


class PublishCursor(Base):
    """The last revision a publication target accepted."""

    __tablename__ = "publish_cursors"

    target: Mapped[str] = mapped_column(String(100), primary_key=True)
    revision: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class SiteChange(Base):
    """A change a district site sent that the centre has applied: a redelivery is skipped."""

    __tablename__ = "site_changes"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
