"""Table rows of the organisation tree, its cameras and their versions, users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from supervision.tables.base import Base, UTCDateTime, utc_now


class District(Base):
    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


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
    # The node that runs the camera (None: not yet run since nodes were recorded).
    node_id: Mapped[str | None] = mapped_column(String(64), index=True)


class CameraStateChange(Base):
    """One change of a camera's health state; the camera online rate is computed from these."""

    __tablename__ = "camera_state_changes"
    __table_args__ = (Index("ix_camera_state_changes_camera_at", "camera_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class Node(Base):
    """A process that runs cameras or jobs on this database, and when it last said so."""

    __tablename__ = "nodes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[str] = mapped_column(String(32))
    # Set when the node was found silent (its cameras marked offline then); cleared by its
    # next heartbeat.
    silent_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
