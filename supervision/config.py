"""Configuration owned by supervision/: database, node, escalation, incidents, inspections."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from supervision.checklists import ChecklistError, ChecklistKind, load_checklist

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


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
    """Related events on one camera group into one incident (see supervision.events.grouping)."""

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

    Held evidence (a legal hold) and the media of open incidents are never deleted, neither
    by age nor under disk pressure; under pressure the oldest other media go first.
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
    keep_newest_h: float = Field(
        default=24.0,
        ge=0,
        le=8760,
        description=(
            "Under disk pressure, media of events that started less than this long ago stay "
            "(the newest evidence; 0: none). Media of open incidents and held media always stay."
        ),
    )
    pressure_check_every_s: float = Field(
        default=60.0,
        gt=0,
        le=86400,
        description="How often the media disk is looked at between passes; short: a pass now.",
    )


def check_database_url(url: str) -> str:
    """A SQLAlchemy URL whose dialect and driver are installed, so that a typo is a one-line
    settings error rather than a traceback when the engine is made; the reason names the
    dialect, never the URL (it may hold a password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(
            "not a database URL (e.g. sqlite:///data/carewatch.db or "
            "postgresql+psycopg://carewatch@db-host/carewatch)"
        ) from None
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        name = parsed.drivername
        raise ValueError(
            f"unknown database dialect or driver {name!r} (sqlite, postgresql)"
        ) from None
    except ImportError as error:
        raise ValueError(f"the database driver {error.name!r} is not installed") from None
    return url


class DatabaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        default="sqlite:///data/carewatch.db",
        min_length=1,
        max_length=2048,
        description="SQLAlchemy URL; a relative SQLite path is relative to the working directory.",
    )
    _usable_url = field_validator("url")(check_database_url)
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
    connect_timeout_s: int = Field(
        default=5,
        ge=1,
        le=600,
        description="How long opening a connection to a database server may take (PostgreSQL).",
    )
    statement_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        le=3_600_000,
        description="A statement running longer is cancelled by the server (PostgreSQL; 0: "
        "never; migrations are exempt).",
    )
    write_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description=(
            "An event write not answered within this time counts as failed and is spooled "
            "(a hung database server)."
        ),
    )


def default_node_id() -> str:
    """This machine's host name, as a node id (letters, digits, `_.-`; at most 64)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname()).strip("-._")[:64]
    return name or "node"


class NodeConfig(BaseModel):
    """This process in a deployment where several share one database: its name and heartbeat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        default_factory=default_node_id,
        pattern=_NAME_PATTERN,
        description="This node's name among those sharing the database (default: host name); "
        "its cameras and events carry it.",
    )
    heartbeat_s: float = Field(
        default=10.0, ge=0.5, le=600, description="How often the node says it is alive."
    )
    silent_after_s: float = Field(
        default=35.0,
        ge=1.0,
        le=3600,
        description="A node not heard from this long is offline, and so are its cameras, from "
        "its last heartbeat on.",
    )

    @model_validator(mode="after")
    def _check(self) -> NodeConfig:
        if self.silent_after_s <= 2 * self.heartbeat_s:
            raise ValueError(
                f"silent_after_s: {self.silent_after_s:g} must be more than twice heartbeat_s "
                f"({self.heartbeat_s:g}), or a late heartbeat reads as a dead node"
            )
        return self


def check_checklist_files(checklists: dict[ChecklistKind, Path]) -> dict[ChecklistKind, Path]:
    """Each file a checklist of its kind, read now: a missing one is a settings error, not
    a traceback when the dashboard starts."""
    for kind, path in checklists.items():
        try:
            load_checklist(path, kind)
        except ChecklistError as error:
            raise ValueError(f"{kind}: {error}") from None
    return checklists


class InspectionConfig(BaseModel):
    """Checklists, hazard deadlines by grade, when overdue hazards escalate, evidence uploads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checklists: dict[ChecklistKind, Path] = Field(
        default_factory=dict,
        description="A YAML file per checklist kind that replaces the shipped default list.",
    )
    _readable_checklists = field_validator("checklists")(check_checklist_files)
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


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookConfig(_Section):
    """An HTTP endpoint that gets every message as a signed JSON POST."""

    name: str = Field(pattern=_NAME_PATTERN, description="Stable name; keys the target's cursor.")
    url: str = Field(
        pattern=r"^https?://[^/\s?#]+[^\s]*$",
        max_length=2048,
        description="http(s) URL the messages are POSTed to.",
    )
    secret: SecretStr = Field(
        min_length=16,
        max_length=512,
        description="Key of the HMAC-SHA256 in X-Carewatch-Signature (at least 16 characters).",
    )
    timeout_s: float = Field(default=5.0, gt=0, le=120, description="Per request.")


class MqttTlsConfig(_Section):
    ca_file: Path | None = Field(default=None, description="CA bundle; None: the system's.")
    cert_file: Path | None = Field(default=None, description="Client certificate (PEM).")
    key_file: Path | None = Field(default=None, description="Client certificate's key (PEM).")

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> MqttTlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class MqttConfig(_Section):
    """An MQTT broker that gets every message on `<prefix>/<facility>/<camera>/<channel>`."""

    name: str = Field(default="mqtt", pattern=_NAME_PATTERN, description="Keys the cursor.")
    host: str = Field(min_length=1, max_length=253, description="Broker host name or address.")
    port: int = Field(default=1883, ge=1, le=65535, description="Broker port (TLS: often 8883).")
    topic_prefix: str = Field(
        default="carewatch", min_length=1, max_length=200, description="First topic level(s)."
    )
    qos: Literal[0, 1, 2] = Field(
        default=1, description="1: a message counts as sent once the broker acknowledged it."
    )
    username: str | None = Field(default=None, min_length=1, max_length=200, description="Login.")
    password: SecretStr | None = Field(default=None, max_length=512, description="Password.")
    tls: MqttTlsConfig | None = Field(default=None, description="TLS to the broker; None: plain.")
    client_id: str = Field(
        default="", max_length=64, description="MQTT client id; empty: the broker picks one."
    )
    keepalive_s: int = Field(default=60, ge=5, le=3600, description="MQTT keep-alive.")
    timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="Wait for the connection and each acknowledgement."
    )

    @field_validator("topic_prefix")
    @classmethod
    def _plain_topic(cls, prefix: str) -> str:
        levels = prefix.split("/")
        if any(not level or "+" in level or "#" in level for level in levels):
            raise ValueError("no wildcards (+, #), empty levels or leading/trailing '/'")
        return prefix

    @model_validator(mode="after")
    def _password_needs_username(self) -> MqttConfig:
        if self.password is not None and self.username is None:
            raise ValueError("password needs a username")
        return self


class RetryConfig(_Section):
    """A target that refuses or cannot be reached is retried with exponential backoff."""

    first_delay_s: float = Field(default=1.0, gt=0, le=60, description="First wait.")
    max_delay_s: float = Field(default=60.0, gt=0, le=3600, description="Longest wait.")

    @model_validator(mode="after")
    def _max_after_first(self) -> RetryConfig:
        if self.max_delay_s < self.first_delay_s:
            raise ValueError("max_delay_s must not be shorter than first_delay_s")
        return self


class PublishConfig(_Section):
    """Where new events and their status changes are published for other district systems."""

    webhooks: list[WebhookConfig] = Field(
        default_factory=list, max_length=32, description="Signed JSON POST targets."
    )
    mqtt: MqttConfig | None = Field(default=None, description="An MQTT broker; None: no MQTT.")
    retry: RetryConfig = Field(default_factory=RetryConfig, description="Backoff per target.")
    poll_s: float = Field(
        default=1.0, gt=0, le=60, description="How often an idle target looks for changes."
    )
    batch: int = Field(default=100, ge=1, le=1000, description="Changes read per look.")

    @model_validator(mode="after")
    def _unique_names(self) -> PublishConfig:
        require_unique_names("webhooks", [webhook.name for webhook in self.webhooks])
        return self


def require_unique_names(field: str, values: list[str], key: str = "name") -> None:
    """ValueError naming `field[i].key` of the first value seen before."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{field}[{index}].{key}: duplicate {key} {value!r}")
        seen.add(value)
