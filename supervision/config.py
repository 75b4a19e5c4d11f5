"""Configuration owned by supervision/: database, escalation, incidents, inspections, retention."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from supervision.checklists import ChecklistKind


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


class RetentionConfig(BaseModel):
    """How long clips and snapshots are kept, and how much disk must stay free.

    Held evidence (a legal hold) is never deleted, neither by age nor under disk pressure.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    clip_days: float = Field(
        default=30.0, gt=0, le=3650, description="Clips of events older than this are deleted."
    )
    snapshot_days: float = Field(
        default=90.0, gt=0, le=3650, description="Snapshots of events older than this are deleted."
    )
    min_free_disk_fraction: float = Field(
        default=0.05,
        ge=0,
        le=0.9,
        description="Below this share of the media disk free, oldest unheld media go (0: off).",
    )
    min_free_disk_bytes: int = Field(
        default=0,
        ge=0,
        le=2**50,
        description="Below this many bytes free on the media disk, oldest media go (0: off).",
    )
    check_every_s: float = Field(
        default=3600.0, gt=0, le=86400, description="How often a retention pass runs."
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


class InspectionConfig(BaseModel):
    """Checklists, hazard deadlines by grade, when overdue hazards escalate, evidence uploads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checklists: dict[ChecklistKind, Path] = Field(
        default_factory=dict,
        description="A YAML file per checklist kind that replaces the shipped default list.",
    )
    general_deadline_days: float = Field(
        default=30.0, gt=0, le=365, description="Days to fix a general hazard unless given."
    )
    major_deadline_days: float = Field(
        default=7.0, gt=0, le=365, description="Days to fix a major hazard unless given."
    )
    district_after_overdue_days: float = Field(
        default=7.0,
        gt=0,
        le=365,
        description="An overdue hazard goes to the street at once, to the district this late.",
    )
    check_every_s: float = Field(
        default=600.0, gt=0, le=86400, description="How often overdue hazards are looked for."
    )
    max_evidence_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=100 * 1024 * 1024,
        description="Largest evidence image accepted for upload.",
    )

    @model_validator(mode="after")
    def _major_not_slower(self) -> InspectionConfig:
        if self.major_deadline_days > self.general_deadline_days:
            raise ValueError("major_deadline_days must not be longer than general_deadline_days")
        return self
