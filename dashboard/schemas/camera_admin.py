"""API schemas of the operator's camera pages: configurations, versions, tests, replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from dashboard.schemas.common import NO_NUL, TrimmedSchema
from supervision.cameras.versions import ConfigVersion, VersionKind
from supervision.tables import INT_MAX

_NOTE = Field(
    None, max_length=500, pattern=NO_NUL, description="Why (shown in the version history)."
)


class ConfigIn(TrimmedSchema):
    config: dict[str, Any] = Field(description="The camera's whole configuration.")
    base_version: int | None = Field(
        None,
        ge=0,
        le=INT_MAX,
        description="The version this edit started from; 409 if the camera changed since.",
    )
    note: str | None = _NOTE


class NewCameraIn(TrimmedSchema):
    config: dict[str, Any] = Field(description="The new camera's whole configuration.")
    note: str | None = _NOTE


class ReplayIn(TrimmedSchema):
    config: dict[str, Any] = Field(description="The proposed configuration to replay.")


class SourceIn(TrimmedSchema):
    source: dict[str, Any] = Field(description="A source configuration, chosen by `type`.")
    camera_id: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="The camera being edited or added, for the audit log.",
    )


class RollbackIn(TrimmedSchema):
    version: int = Field(ge=1, le=INT_MAX, description="The version to run again.")
    note: str | None = _NOTE


class ConfigVersionOut(BaseModel):
    camera_id: str
    version: int
    kind: VersionKind
    config: dict[str, Any]
    actor: str
    created_at: datetime
    note: str | None
    rolled_back_to: int | None

    @classmethod
    def from_view(cls, view: ConfigVersion) -> ConfigVersionOut:
        return cls(
            camera_id=view.camera_id,
            version=view.version,
            kind=view.kind,
            config=dict(view.config),
            actor=view.actor,
            created_at=view.created_at,
            note=view.note,
            rolled_back_to=view.rolled_back_to,
        )
