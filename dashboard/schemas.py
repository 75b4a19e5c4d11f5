"""API schemas: what the HTTP API accepts and returns, built from store and live records."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from streams.health import CameraHealth, CameraState
from supervision.events.views import (
    CameraView,
    EventView,
    FamilyNotice,
    FamilyNoticeMethod,
    TransitionAction,
    TransitionView,
)
from supervision.org.scope import ROLE_PERMISSIONS, Scope
from supervision.org.users import UserView

# Text that reaches the database: PostgreSQL cannot store NUL characters.
NO_NUL = r"^[^\x00]*$"


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class FamilyNoticeIn(_Schema):
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


class TransitionIn(_Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(
        default=None, max_length=2000, pattern=NO_NUL, description="Free text kept in the history."
    )
    family: FamilyNoticeIn | None = Field(
        default=None, description="Required to resolve a fall or long lie."
    )


class TransitionOut(_Schema):
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


class EventOut(_Schema):
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
        )


class CameraOut(_Schema):
    id: str
    name: str
    facility_id: str | None
    source_kind: str | None
    state: str
    last_frame_at: datetime | None
    fps: float
    frames_dropped: int
    reconnects: int
    last_error: str | None
    live: bool = Field(description="True when the running pipeline serves live video of it.")

    @classmethod
    def from_view(cls, view: CameraView, health: CameraHealth | None, *, live: bool) -> CameraOut:
        """A stored camera; live health, when the pipeline reports it, wins over stored state."""
        stored = cls(
            id=view.id,
            name=view.name,
            facility_id=view.facility_id,
            source_kind=view.source_kind,
            state=view.state,
            last_frame_at=view.last_frame_at,
            fps=view.fps,
            frames_dropped=view.frames_dropped,
            reconnects=view.reconnects,
            last_error=view.last_error,
            live=live,
        )
        return stored if health is None else stored.model_copy(update=_health_fields(health))

    @classmethod
    def live_only(cls, camera_id: str, health: CameraHealth | None) -> CameraOut:
        """A camera the pipeline runs that the store does not know (yet)."""
        base = cls(
            id=camera_id,
            name=camera_id,
            facility_id=None,
            source_kind=None,
            state=str(CameraState.STARTING),
            last_frame_at=None,
            fps=0.0,
            frames_dropped=0,
            reconnects=0,
            last_error=None,
            live=True,
        )
        return base if health is None else base.model_copy(update=_health_fields(health))


def _health_fields(health: CameraHealth) -> dict[str, object]:
    last_frame_at = health.last_frame_at
    return {
        "state": str(health.state),
        "last_frame_at": None
        if last_frame_at is None
        else datetime.fromtimestamp(last_frame_at, UTC),
        "fps": health.fps,
        "frames_dropped": health.frames_dropped,
        "reconnects": health.reconnects,
        "last_error": health.error,
    }


class SessionDescriptionIn(_Schema):
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"]


class SessionDescriptionOut(_Schema):
    sdp: str
    type: str


class LoginIn(_Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1024, pattern=NO_NUL)


class UserOut(_Schema):
    id: int
    username: str
    display_name: str
    role: str
    node_kind: str | None = Field(description="district, street or facility; None: everything.")
    node_id: str | None
    permissions: list[str] = Field(description="What the role may do (supervision.org.scope).")
    locale: str | None = Field(description="Dashboard language (en, zh-CN); None: the browser's.")
    alarm_sound: bool = Field(description="Whether the dashboard rings for unacknowledged alarms.")

    @classmethod
    def from_scope(cls, user: UserView, scope: Scope) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=str(user.role),
            node_kind=None if user.node is None else str(user.node.kind),
            node_id=None if user.node is None else user.node.id,
            permissions=sorted(str(p) for p in ROLE_PERMISSIONS[scope.role]),
            locale=user.locale,
            alarm_sound=user.alarm_sound,
        )


class PreferencesIn(_Schema):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    locale: Literal["en", "zh-CN"] | None = Field(
        default=None, description="The dashboard's language; None: follow the browser."
    )
    alarm_sound: bool | None = Field(
        default=None, description="Ring for unacknowledged alarms (on every browser)."
    )

    @model_validator(mode="after")
    def _something(self) -> PreferencesIn:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send locale and/or alarm_sound")
        return self


class FacilityOut(_Schema):
    id: str
    name: str
    kind: str = Field(description="institution, community_centre, day_care or canteen.")
    street_id: str | None
    beds: int
    address: str | None
    timezone: str = Field(description="IANA time zone the facility's times are shown in.")


class SessionOut(_Schema):
    token: str = Field(description="Send as `Authorization: Bearer …`; the cookie carries it too.")
    expires_at: datetime
    user: UserOut


class ProblemOut(_Schema):
    kind: Literal["database", "spool", "disk"]
    since: datetime
    waiting: int = Field(description="Event writes kept until the database takes them.")


class HealthOut(_Schema):
    """The process answers; `degraded` lists what threatens events or evidence right now."""

    status: Literal["ok", "degraded"] = "ok"
    problems: list[ProblemOut] = Field(default_factory=list)


def media_url(stored_path: str | None, media_root: Path) -> str | None:
    """URL under /media/ of a file stored relative to (or inside) the media root, else None."""
    if not stored_path:
        return None
    path = Path(stored_path)
    if path.is_absolute():
        path = path.resolve()
        if not path.is_relative_to(media_root):
            return None
        path = path.relative_to(media_root)
    return "/media/" + path.as_posix()
