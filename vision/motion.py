"""Motion gate: skip the models on a still scene, but keep watching anyone who is down."""

from __future__ import annotations

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
    pixel_threshold: int = Field(
        PIXEL_THRESHOLD,
        ge=1,
        le=255,
        description="Grey levels a (blurred, 160 px wide) pixel must change by to count as "
        "changed; above sensor noise, also at night.",
    )


class MotionGate:
    """Decides per frame whether the models must look; compares with the last analysed frame.

    Comparing with the last analysed frame (not the previous one) means slow movement adds
    up until it is seen; a still scene is still analysed every `recheck_s`.
    """

    def __init__(self, config: MotionConfig) -> None:
        self.config = config
        self._reference: np.ndarray | None = None
        self._analysed_pts_s: float | None = None

    def should_analyse(self, image_bgr: np.ndarray, pts_s: float, watching: bool) -> bool:
        """True when the frame needs the models; `watching` is true while anyone is down."""
        cfg = self.config
        grey = small_grey(image_bgr) if cfg.enabled else None
        due = self._due(pts_s) or watching or not cfg.enabled
        if not due and grey is not None and self._reference is not None:
            due = changed_fraction(self._reference, grey, cfg.pixel_threshold) >= (
                cfg.min_changed_fraction
            )
        if due:
            self._reference, self._analysed_pts_s = grey, pts_s
        return due

    def _due(self, pts_s: float) -> bool:
        last = self._analysed_pts_s
        # A clock that went backwards (a restarted source) counts as due.
        return last is None or pts_s - last >= self.config.recheck_s or pts_s < last
