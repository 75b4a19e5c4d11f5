"""Configuration owned by dashboard/: where it listens and how live video is served."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class DashboardConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(
        default="127.0.0.1", min_length=1, description="Interface the web server binds."
    )
    port: int = Field(
        default=8000, ge=1, le=65535, description="TCP port the web server listens on."
    )
    live_fps: float = Field(
        default=10.0, ge=1, le=30, description="Frame rate of live WebRTC and MJPEG streams."
    )
    mjpeg_quality: int = Field(
        default=75, ge=10, le=100, description="JPEG quality of MJPEG frames."
    )
    session_ttl_s: float = Field(
        default=12 * 3600,
        ge=60,
        le=30 * 86400,
        description="How long a sign-in lasts before the user must sign in again.",
    )
    event_poll_s: float = Field(
        default=0.3,
        gt=0,
        le=5,
        description="How often the event stream checks the store for changes.",
    )
    shutdown_grace_s: int = Field(
        default=2,
        ge=1,
        le=60,
        description="At shutdown, open live streams (SSE, MJPEG) are cut off after this long.",
    )
    replay_max_clips: int = Field(
        default=5,
        ge=1,
        le=50,
        description="A threshold replay runs over at most this many of the camera's newest "
        "event clips (each is analysed twice: current and proposed configuration).",
    )
    ice_servers: tuple[str, ...] = Field(
        default=(),
        description="STUN/TURN URLs for WebRTC peers; empty offers host candidates only (LAN).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        max_length=512,
        description="Static secret Prometheus sends as `Authorization: Bearer <token>` to "
        "scrape /metrics (its `authorization` scrape setting); unset: /metrics is open.",
    )
