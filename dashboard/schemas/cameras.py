"""API schemas of the camera list: stored cameras with their live health."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from dashboard.schemas.common import Schema
from streams.health import CameraHealth, CameraState
from supervision.events.views import (
    CameraView,
)


class CameraOut(Schema):
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
    node_id: str | None = Field(
        default=None, description="The node that runs it (GET /api/nodes); None: not known."
    )

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
            node_id=view.node_id,
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
