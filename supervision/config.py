"""Configuration owned by supervision/: where the supervision database lives."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
        description="SQLite only: how long a write waits for a lock before failing.",
    )
