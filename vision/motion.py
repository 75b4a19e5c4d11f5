"""Motion gate: skip the models on a still scene, but keep watching anyone who is down."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from streams.motion import PIXEL_THRESHOLD, STILL_FRACTION, changed_fraction, small_grey


class MotionConfig(BaseModel):
    """When a camera's frame may skip the models (an empty, still room costs almost nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        True,
        description="Skip the models on frames where nothing moved. A person who is down is "
        "analysed on every frame whatever this says.",
    )
    recheck_s: float = Field(
        1.0,
        gt=0,
        le=10,
        description="A still scene is still analysed this often (seconds): someone sitting "
        "motionless keeps their track, smoke and blocked exits are still seen.",
    )
    min_changed_fraction: float = Field(
        STILL_FRACTION,
        ge=0,
        le=1,
        description="Share of the picture that must change since the last analysed frame to "
        "count as motion (0.002 = 0.2%).",
    )
    fire_recheck_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="A fire check of a picture that has not changed since the last one repeats "
        "that one's finding instead of running the model, but the model still looks this often "
        "(seconds).",
    )
    pixel_threshold: int = Field(
        PIXEL_THRESHOLD,
        ge=1,
        le=255,
        description="Grey levels a (blurred, 160 px wide) pixel must change by to count as "
        "changed; above sensor noise, also at night.",
    )


@dataclass(slots=True)
class _Reference:
    """The picture (small grey) a model last looked at, and when."""

    grey: np.ndarray | None = None
    pts_s: float | None = None

    def stale(self, pts_s: float, every_s: float) -> bool:
        # A clock that went backwards (a restarted source) counts as stale.
        last = self.pts_s
        return last is None or pts_s - last >= every_s or pts_s < last

    def changed(self, grey: np.ndarray, config: MotionConfig) -> bool:
        if self.grey is None:
            return True
        fraction = changed_fraction(self.grey, grey, config.pixel_threshold)
        return fraction >= config.min_changed_fraction

    def take(self, grey: np.ndarray | None, pts_s: float) -> None:
        self.grey, self.pts_s = grey, pts_s


class MotionGate:
    """Decides per frame whether the models must look; compares with the last analysed frame.

    Comparing with the last analysed frame (not the previous one) means slow movement adds
    up until it is seen; a still scene is still analysed every `recheck_s`. Fire checks
    keep their own reference: a picture unchanged since the last check needs no new one.
    """

    def __init__(self, config: MotionConfig) -> None:
        self.config = config
        self._people = _Reference()
        self._fire = _Reference()

    def should_analyse(self, image_bgr: np.ndarray, pts_s: float, watching: bool) -> bool:
        """True when the frame needs the models; `watching` is true while anyone is down."""
        cfg = self.config
        if not cfg.enabled:
            return True
        grey = small_grey(image_bgr)
        people = self._people
        due = watching or people.stale(pts_s, cfg.recheck_s) or people.changed(grey, cfg)
        if due:
            people.take(grey, pts_s)
        return due

    def fire_unchanged(self, image_bgr: np.ndarray, pts_s: float) -> bool:
        """True when the fire model would see the picture of its last check again."""
        cfg = self.config
        if not cfg.enabled:
            return False
        grey = small_grey(image_bgr)
        fire = self._fire
        if not fire.stale(pts_s, cfg.fire_recheck_s) and not fire.changed(grey, cfg):
            return True
        fire.take(grey, pts_s)
        return False
