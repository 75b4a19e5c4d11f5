"""SQLAlchemy table models of the supervision database (rows, not API schemas)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, ForeignKey, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Named constraints so that later migrations can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids and revisions are INTEGER columns: 32 bits on PostgreSQL, so a larger number names no row.
INT_MAX = 2**31 - 1


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; pass a timezone-aware one")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Facility(Base):
    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="institution")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Facilities synced from the settings file have no street until they are placed in the tree.
    street_id: Mapped[str | None] = mapped_column(ForeignKey("streets.id"), index=True)
    beds: Mapped[int] = mapped_column(default=0, server_default="0")
    address: Mapped[str | None] = mapped_column(Text)


class District(Base):
    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source_kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="stopped")
    last_frame_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fps: Mapped[float] = mapped_column(default=0.0)
    frames_read: Mapped[int] = mapped_column(default=0)
    frames_dropped: Mapped[int] = mapped_column(default=0)
    reconnects: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # When the camera was added: its uptime is measured from then, not over time before it
    # existed. Set on every insert; None only for a row written outside the models.
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utc_now)
    # National video-networking (GB/T 28181) device id; a unique index, not a constraint,
    # so that adding it never rebuilds the cameras table on SQLite.
    gb28181_id: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    parent_key: Mapped[str | None] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
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


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    # The organisation node the role applies to (district, street or facility); None: everything.
    node_kind: Mapped[str | None] = mapped_column(String(16))
    node_id: Mapped[str | None] = mapped_column(String(64), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    # The dashboard's language (a tag of users.LOCALES); None: the browser's.
    locale: Mapped[str | None] = mapped_column(String(16))
    # Whether the dashboard rings for unacknowledged alarms; None: the default (on).
    alarm_sound: Mapped[bool | None] = mapped_column()


class AuthToken(Base):
    """An opaque session or API token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One audit row; `hash` chains it to the row before (see supervision.audit)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The one row that records the chain's last seq and hash; appends lock it to serialise."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


class Incident(Base):
    """Related events (a fall and its long lie, repeated smoke) handled as one."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))  # of its first event
    family: Mapped[str] = mapped_column(String(32))  # type family events must share to join
    # Moved by people's steps (supervision.incidents); an event joining never moves it back.
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


class Inspection(Base):
    """A fire-safety or service-quality inspection of one facility, on site or remote."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    checklist_kind: Mapped[str] = mapped_column(String(32))
    checklist_version: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # on_site, remote
    inspector: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)  # in_progress, completed
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    items: Mapped[list[InspectionItem]] = relationship(
        order_by="InspectionItem.id", cascade="all, delete-orphan"
    )


class InspectionItem(Base):
    """One checklist item of an inspection: its words as checked, and the result recorded."""

    __tablename__ = "inspection_items"
    # Each checklist item at most once per inspection.
    __table_args__ = (Index("ix_inspection_items_item", "inspection_id", "item_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    # Copied from the checklist, so a later edit of the list does not rewrite history.
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(16))  # pass, fail, not_applicable
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A failed item becomes a hazard when the inspection completes, with this grade and deadline.
    hazard_grade: Mapped[str | None] = mapped_column(String(16))
    hazard_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Hazard(Base):
    """A finding to fix by a deadline: open → fixed → verified, or reopened."""

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(16), index=True)  # general, major
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    fixed_by: Mapped[str | None] = mapped_column(String(200))
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to: Mapped[str | None] = mapped_column(String(16))  # street, then district

    steps: Mapped[list[HazardStep]] = relationship(
        order_by="HazardStep.id", cascade="all, delete-orphan"
    )


class HazardStep(Base):
    """One step of a hazard's history; `deadline` is the deadline in force after it."""

    __tablename__ = "hazard_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Evidence(Base):
    """Evidence of an inspection or of a hazard's fix: an event (its snapshot or clip) or a file."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_steps.id", ondelete="CASCADE"))
    item_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # snapshot, clip, event, file
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # A stored upload: its path relative to the media root, never a name the client chose.
    file_path: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LegalHold(Base):
    """Evidence kept from retention until released: who placed it, when, why, and the release.

    `object_type` is "event" for now (incident evidence can join later); one active hold
    (released_at NULL) per object.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    release_reason: Mapped[str | None] = mapped_column(Text)


class CameraStateChange(Base):
    """One change of a camera's health state; the camera online rate is computed from these."""

    __tablename__ = "camera_state_changes"
    __table_args__ = (Index("ix_camera_state_changes_camera_at", "camera_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


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

    event: Mapped[Event] = relationship()
    transition: Mapped[EventTransition | None] = relationship()


class PublishCursor(Base):
    """The last revision a publication target accepted."""

    __tablename__ = "publish_cursors"

    target: Mapped[str] = mapped_column(String(100), primary_key=True)
    revision: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CameraConfigVersion(Base):
    """One version of a camera's configuration; a rollback adds a version, nothing is rewritten.

    `config` is the camera's whole settings section as validated JSON (the composition root
    owns its shape); `rolled_back_to` names the version a rollback copied.
    """

    __tablename__ = "camera_config_versions"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # seeded, created, edited, rolled_back
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    note: Mapped[str | None] = mapped_column(Text)
    rolled_back_to: Mapped[int | None]
