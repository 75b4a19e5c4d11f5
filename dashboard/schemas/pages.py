"""API schemas of the service health page: problems and their summary."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from dashboard.schemas.common import Schema


class ProblemOut(Schema):
    kind: Literal["database", "spool", "disk"]
    since: datetime
    waiting: int = Field(description="Event writes kept until the database takes them.")


class HealthOut(Schema):
    """The process answers; `degraded` lists what threatens events or evidence right now."""

    status: Literal["ok", "degraded"] = "ok"
    problems: list[ProblemOut] = Field(default_factory=list)
