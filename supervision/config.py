"""Configuration owned by supervision/: the database, when events escalate, how they group."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EscalationConfig(BaseModel):
    """An event nobody acknowledged is raised to the street, then the district."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    street_after_s: float = Field(
        default=300.0, gt=0, le=86400, description="Unacknowledged this long: to the street."
    )
    district_after_s: float = Field(
        default=900.0, gt=0, le=86400, description="Unacknowledged this long: to the district."
    )
    check_every_s: float = Field(
        default=10.0, gt=0, le=3600, description="How often overdue events are looked for."
    )

    @model_validator(mode="after")
    def _district_after_street(self) -> EscalationConfig:
        if self.district_after_s <= self.street_after_s:
            raise ValueError("district_after_s must be longer than street_after_s")
        return self


class IncidentConfig(BaseModel):
    """Related events on one camera group into one incident (see supervision.grouping)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group_window_s: float = Field(
        default=600.0,
        ge=0,
        le=86400,
        description=(
            "An event of the same kind on the same camera (smoke and fire, a repeat of one "
            "type) joins an open incident when it starts within this long of the incident's "
            "events; 0 groups only a follow-up with its parent (a long lie with its fall)."
        ),
    )


class DatabaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        default="sqlite:///data/carewatch.db",
        min_length=1,
        max_length=2048,
        description="SQLAlchemy URL; a relative SQLite path is relative to the working directory.",
    )
    echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    busy_timeout_ms: int = Field(
        default=5000,
        ge=0,
        le=600_000,
        description=(
            "How long a statement waits for a lock before failing "
            "(SQLite busy_timeout, PostgreSQL lock_timeout)."
        ),
    )
