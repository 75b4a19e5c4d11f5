"""Configuration owned by dashboard/: where it listens, live video, sign-in limits, proxies."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class SignInLimits(BaseModel):
    """How sign-in resists guessing: per address first, then a short per-account back-off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_s: int = Field(
        default=300, ge=10, le=86400, description="Moving window the address limits count in."
    )
    failures_per_account: int = Field(
        default=5,
        ge=1,
        le=9,
        description="Wrong passwords for one account from one address within window_s; the "
        "next attempt is answered 429 (a right password clears the count). At most 9, so "
        "the 10th is always refused.",
    )
    failures_per_address: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Wrong passwords from one address, for any accounts, within window_s.",
    )
    backoff_after_failures: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Wrong passwords for one account, from any addresses, before it backs off.",
    )
    backoff_first_s: float = Field(
        default=1.0, gt=0, le=60, description="The account's first back-off; each next doubles."
    )
    backoff_max_s: float = Field(
        default=60.0,
        gt=0,
        le=60,
        description="Longest back-off: a guesser cannot keep the account's user out longer.",
    )
    backoff_forget_s: int = Field(
        default=900,
        ge=60,
        le=86400,
        description="An account's wrong passwords are forgotten after this long without one.",
    )

    @model_validator(mode="after")
    def _back_off_after_the_address_limit(self) -> SignInLimits:
        if self.backoff_after_failures < self.failures_per_account:
            raise ValueError(
                "backoff_after_failures must be at least failures_per_account: one address "
                "is throttled before the account backs off for everyone"
            )
        if self.backoff_first_s > self.backoff_max_s:
            raise ValueError("backoff_first_s must not be longer than backoff_max_s")
        return self


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
    sign_in: SignInLimits = Field(
        default_factory=SignInLimits, description="Throttling of POST /api/auth/login."
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=("127.0.0.1",),
        max_length=64,
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed: the client's address (sign-in throttling, audit) "
        "and HTTPS (Secure cookie); empty: none; '*': any (only behind a firewall).",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, proxies: tuple[str, ...]) -> tuple[str, ...]:
        if "*" in proxies and len(proxies) > 1:
            raise ValueError("'*' trusts every address: give it alone")
        for proxy in proxies:
            if proxy != "*":
                _check_network(proxy)
        return proxies


def _check_network(text: str) -> None:
    try:
        # As uvicorn reads them: a network without host bits, else one address.
        ipaddress.ip_network(text) if "/" in text else ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or network (CIDR)") from None
