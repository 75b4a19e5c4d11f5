"""The one YAML settings file: each stage's section, cross-field checks, one-line errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from carewatch import config_checks
from dashboard.config import DashboardConfig
from streams.config import (
    ClipConfig,
    DemoSourceConfig,
    FileSourceConfig,
    ReconnectConfig,
    SourceConfig,
)
from streams.source_policy import allowed_source
from supervision.config import (
    DatabaseConfig,
    EscalationConfig,
    IncidentConfig,
    InspectionConfig,
    NodeConfig,
    PublishConfig,
    RetentionConfig,
    require_unique_names,
)
from supervision.district.config import DistrictLinkConfig, check_district_node
from supervision.push.config import PushConfig
from supervision.writer.spool import DEFAULT_RESERVE_BYTES
from vision.config import (
    FallThresholds,
    ModelsConfig,
    RuleThresholds,
    VisionConfig,
    check_timezone,
)
from vision.motion import MotionConfig
from vision.night import NightConfig
from vision.scene_health import SceneHealthConfig
from vision.static_objects import StaticObjectConfig
from vision.zones import LineConfig, ZoneConfig

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
SOURCE_TYPES = frozenset({"file", "url", "usb", "demo"})  # SourceConfig's `type` tags


class ConfigError(ValueError):
    """A settings file that cannot be used; the message is one line naming the field."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StreetConfig(_Section):
    id: str = Field(pattern=_ID_PATTERN, description="Stable street (街道) id.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")


class DistrictConfig(_Section):
    id: str = Field(pattern=_ID_PATTERN, description="Stable district (区) id.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    streets: list[StreetConfig] = Field(
        default_factory=list, description="Streets of the district; facilities name one."
    )


class FacilityConfig(_Section):
    id: str = Field(pattern=_ID_PATTERN, description="Stable facility id.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    street: str | None = Field(
        None, description="Id of the street the facility is under (inspectors' scope)."
    )
    beds: int = Field(0, ge=0, le=100_000, description="Beds (residents' places).")
    address: str | None = Field(None, max_length=500, description="Postal address.")
    kind: str = Field(
        "institution",
        pattern=r"^(institution|community_centre|day_care|canteen)$",
        description="institution, community_centre, day_care or canteen.",
    )
    timezone: str = Field("Asia/Shanghai", description="IANA time zone for display.")

    _known_zone = field_validator("timezone")(check_timezone)


class CameraConfig(_Section):
    id: str = Field(pattern=_ID_PATTERN, description="Stable camera id (used in file names).")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    facility: str = Field(description="Id of the facility the camera is in.")
    source: SourceConfig = Field(description="Where frames come from; chosen by `type`.")
    analysis_fps: float = Field(8.0, gt=0, le=30, description="Frames analysed per second.")
    motion: MotionConfig = Field(
        default_factory=MotionConfig, description="Skipping the models on a still scene."
    )
    fall: FallThresholds = Field(
        default_factory=FallThresholds, description="Fall and long-lie thresholds."
    )
    rules: RuleThresholds = Field(
        default_factory=RuleThresholds, description="Fire, exit, zone and tamper rule timing."
    )
    health: SceneHealthConfig = Field(
        default_factory=SceneHealthConfig, description="Camera tampering checks."
    )
    static: StaticObjectConfig = Field(
        default_factory=StaticObjectConfig, description="Stationary objects in exit zones."
    )
    night: NightConfig = Field(
        default_factory=NightConfig, description="Following the camera's infrared mode."
    )
    zones: list[ZoneConfig] = Field(
        default_factory=list,
        description="Zones: bed, floor, exit, restricted, door and duty (see docs/detection.md).",
    )
    lines: list[LineConfig] = Field(
        default_factory=list, description="Exit lines: crossing one at night is wandering."
    )

    def vision(self, timezone: str) -> VisionConfig:
        """This camera's analysis settings; zone schedules run in `timezone`."""
        fields = self.model_dump(
            include={"analysis_fps", "motion", "fall", "rules", "health", "static", "night"}
        )
        return VisionConfig(**fields, timezone=timezone, zones=self.zones, lines=self.lines)


class AnalysisConfig(_Section):
    """How the machine's analysis capacity is shared among the cameras."""

    workers: int | None = Field(
        None,
        ge=1,
        le=256,
        description="Analysis threads shared by all cameras, each with its own pose model "
        "instance; default: one per CPU core plus one, so that a long model call (the second "
        "opinion on a fall, a fire check) does not hold up the other cameras' people. A camera "
        "is analysed by one worker at a time.",
    )

    def worker_count(self) -> int:
        return self.workers or (os.cpu_count() or 1) + 1


class StorageConfig(_Section):
    data_dir: Path = Field(Path("data"), description="Folder for the database, clips and spool.")
    video_folders: list[Path] | None = Field(
        None,
        max_length=100,
        description="Folders whose video files file cameras may read, here and in the "
        "dashboard (Test connection, camera edits); a path is resolved (links, `..`) before "
        "it is checked, and relative folders resolve from the working directory. Default: "
        "`<data_dir>/videos` and the folders of this file's file cameras; []: no file cameras.",
    )
    spool_reserve_bytes: int = Field(
        DEFAULT_RESERVE_BYTES,
        ge=0,
        le=1 << 30,
        description=(
            "Disk space kept allocated beside the spool, given up when the disk is full so "
            "that the last events still fit (about 1 KB each)."
        ),
    )
    warn_free_fraction: float = Field(
        0.10,
        ge=0,
        le=0.95,
        description=(
            "Below this share of its disk free, the media folder's or the spool's disk is low: "
            "logged, on /metrics and in the service's health (0: off)."
        ),
    )
    warn_free_bytes: int = Field(
        0, ge=0, le=2**50, description="Below this many bytes free, a disk is low too (0: off)."
    )
    disk_check_every_s: float = Field(
        30.0, gt=0, le=3600, description="How often the disks' free space is read."
    )

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def spool_path(self) -> Path:
        return self.data_dir / "spool.jsonl"

    @property
    def link_key_path(self) -> Path:
        """The key that signs expiring snapshot links for phone groups (made on first run)."""
        return self.data_dir / "link.key"


class Settings(_Section):
    districts: list[DistrictConfig] = Field(
        default_factory=list, description="District → street tree the facilities hang under."
    )
    facilities: list[FacilityConfig] = Field(min_length=1, description="Facilities watched.")
    cameras: list[CameraConfig] = Field(description="Cameras, each in a listed facility.")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Files.")
    database: DatabaseConfig = Field(default_factory=DatabaseConfig, description="Database.")
    node: NodeConfig = Field(
        default_factory=NodeConfig, description="This node among those sharing the database."
    )
    escalation: EscalationConfig = Field(
        default_factory=EscalationConfig, description="Unacknowledged events escalate."
    )
    incidents: IncidentConfig = Field(
        default_factory=IncidentConfig, description="Which events group into one incident."
    )
    inspection: InspectionConfig = Field(
        default_factory=InspectionConfig, description="Checklists and hazard deadlines."
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig, description="How long clips and snapshots stay."
    )
    publish: PublishConfig = Field(
        default_factory=PublishConfig, description="Webhooks and MQTT for other systems."
    )
    district_link: DistrictLinkConfig | None = Field(
        default=None,
        description="This node as a site or the centre of a district; None: on its own.",
    )
    push: PushConfig = Field(
        default_factory=PushConfig,
        description="Phone groups (WeCom, DingTalk, Feishu robots) that get incidents.",
    )
    clips: ClipConfig = Field(default_factory=ClipConfig, description="Event clips.")
    reconnect: ReconnectConfig = Field(default_factory=ReconnectConfig, description="Retries.")
    models: ModelsConfig = Field(default_factory=ModelsConfig, description="Model weights.")
    analysis: AnalysisConfig = Field(
        default_factory=AnalysisConfig, description="Analysis workers shared by the cameras."
    )
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig, description="Web app.")
    # storage.video_folders' default, taken from this file's cameras when it is read (the
    # cameras running later, edited in the dashboard, do not widen it).
    _default_video_folders: list[Path] = PrivateAttr(default_factory=list)

    def video_folders(self) -> list[Path]:
        """Folders whose video files file cameras may read (StorageConfig.video_folders)."""
        configured = self.storage.video_folders
        return list(configured) if configured is not None else list(self._default_video_folders)

    def vision_for(self, camera: CameraConfig) -> VisionConfig:
        """A camera's analysis settings, with its facility's time zone."""
        return camera.vision(self.timezone_of(camera))

    def timezone_of(self, camera: CameraConfig) -> str:
        """The IANA time zone of a camera's facility (its pages, clocks and clip dates)."""
        zones = {facility.id: facility.timezone for facility in self.facilities}
        return zones[camera.facility]

    def source_for(self, camera: CameraConfig) -> SourceConfig:
        """A camera's source; a demo camera's burned-in clock runs in its facility's time
        zone unless the source names one."""
        source = camera.source
        if isinstance(source, DemoSourceConfig) and source.timezone is None:
            return source.model_copy(update={"timezone": self.timezone_of(camera)})
        return source

    @model_validator(mode="after")
    def _check(self) -> Settings:
        require_unique_names("facilities", [f.id for f in self.facilities], key="id")
        require_unique_names("cameras", [c.id for c in self.cameras], key="id")
        config_checks.check_camera_facilities(self)
        require_unique_names("districts", [d.id for d in self.districts], key="id")
        require_unique_names("streets", [s.id for s in self.streets()], key="id")
        config_checks.check_facility_streets(self)
        config_checks.check_push_nodes(self)
        config_checks.check_disk_warning(self)
        check_district_node(self.node, self.district_link)
        self._default_video_folders = _file_camera_folders(self)
        _check_camera_sources(self)
        return self

    def streets(self) -> list[StreetConfig]:
        return [street for district in self.districts for street in district.streets]


def _file_camera_folders(settings: Settings) -> list[Path]:
    folders = [settings.storage.data_dir / "videos"]
    for camera in settings.cameras:
        if isinstance(camera.source, FileSourceConfig):
            folders.append(Path(camera.source.path).parent)
    return list(dict.fromkeys(folders))


def _check_camera_sources(settings: Settings) -> None:
    folders = settings.video_folders()
    for index, camera in enumerate(settings.cameras):
        allowed_source(camera.source, folders, f"cameras[{index}].source")


def field_path(location: tuple[int | str, ...]) -> str:
    """A pydantic error's location as the settings file writes it: cameras[0].source.path."""
    path = ""
    for part in _without_source_type(location):
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _without_source_type(location: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """pydantic names the source type it chose (source.url.url); that is no field."""
    for index, part in enumerate(location[:-1]):
        if part == "source" and location[index + 1] in SOURCE_TYPES:
            return location[: index + 1] + location[index + 2 :]
    return location


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    where = f"{field_path(first['loc'])}: " if first["loc"] else ""
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}{message}{more}"


def parse_settings(data: Any, origin: str = "config") -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level")
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{origin}: {_one_line(error)}") from None


def parse_camera(data: Any) -> CameraConfig:
    """One camera's section (an edit from the operator pages); ConfigError names the field."""
    if not isinstance(data, dict):
        raise ConfigError("camera: expected a mapping")
    try:
        return CameraConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_one_line(error)) from None


def load_settings(path: Path) -> Settings:
    """Read and validate a settings file; relative data paths resolve from the cwd."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    return parse_settings(data, str(path))
