"""Motion gate: skip the models on a still scene, but keep watching anyone who is down."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from streams.motion import PIXEL_THRESHOLD, STILL_FRACTION, changed_fraction, small_grey

# A person's box grows by this share of its size each way before it is masked: limbs
# reach past the keypoints, and a person's shadow falls around them.
PERSON_MARGIN = 0.2
# People covering more of the picture than this leave too little to judge: the model looks.
MAX_PEOPLE_SHARE = 0.5
NO_PEOPLE = np.zeros((0, 4), np.float32)


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
        description="A fire check of a picture that has not changed since the last one (apart "
        "from where people are and were) repeats that one's finding instead of running the "
        "model, but the model still looks this often (seconds).",
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
    people_xyxy: np.ndarray = field(default_factory=lambda: NO_PEOPLE)

    def stale(self, pts_s: float, every_s: float) -> bool:
        # A clock that went backwards (a restarted source) counts as stale.
        last = self.pts_s
        return last is None or pts_s - last >= every_s or pts_s < last

    def changed(self, grey: np.ndarray, config: MotionConfig, people_xyxy: np.ndarray) -> bool:
        """Whether the picture changed, outside the people where they are and where they were
        (normalised boxes; none: the whole picture counts)."""
        if self.grey is None:
            return True
        people = people_mask(grey.shape, np.concatenate([self.people_xyxy, people_xyxy]))
        if people.mean() > MAX_PEOPLE_SHARE:
            return True
        fraction = changed_fraction(self.grey, grey, config.pixel_threshold, ignore=people)
        return fraction >= config.min_changed_fraction

    def take(self, grey: np.ndarray | None, pts_s: float, people_xyxy: np.ndarray) -> None:
        self.grey, self.pts_s, self.people_xyxy = grey, pts_s, people_xyxy


def people_mask(shape_hw: tuple[int, ...], people_xyxy: np.ndarray) -> np.ndarray:
    """True over each person's box (normalised xyxy), grown by PERSON_MARGIN."""
    height, width = shape_hw[:2]
    mask = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in people_xyxy:
        grow_x, grow_y = (x1 - x0) * PERSON_MARGIN, (y1 - y0) * PERSON_MARGIN
        left, right = max(0, int((x0 - grow_x) * width)), int(np.ceil((x1 + grow_x) * width))
        top, bottom = max(0, int((y0 - grow_y) * height)), int(np.ceil((y1 + grow_y) * height))
        mask[top:bottom, left:right] = True
    return mask


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
        self._last: tuple[np.ndarray, np.ndarray] | None = None  # (picture, its small grey)

    def _grey(self, image_bgr: np.ndarray) -> np.ndarray:
        """The picture's small grey, made once when both checks look at the same picture."""
        if self._last is None or self._last[0] is not image_bgr:
            self._last = (image_bgr, small_grey(image_bgr))
        return self._last[1]

    def should_analyse(self, image_bgr: np.ndarray, pts_s: float, watching: bool) -> bool:
        """True when the frame needs the models; `watching` is true while anyone is down."""
        cfg = self.config
        if not cfg.enabled:
            return True
        grey = self._grey(image_bgr)
        people = self._people
        due = watching or people.stale(pts_s, cfg.recheck_s) or people.changed(grey, cfg, NO_PEOPLE)
        if due:
            people.take(grey, pts_s, NO_PEOPLE)
        return due

    def fire_unchanged(
        self, image_bgr: np.ndarray, pts_s: float, people_xyxy: np.ndarray = NO_PEOPLE
    ) -> bool:
        """True when the fire model would see the picture of its last check again, apart from
        the people (`people_xyxy`: normalised boxes of those now in the picture), who move
        without being fire: where they are now and where they were then is not compared."""
        cfg = self.config
        if not cfg.enabled:
            return False
        grey = self._grey(image_bgr)
        fire = self._fire
        if not fire.stale(pts_s, cfg.fire_recheck_s) and not fire.changed(grey, cfg, people_xyxy):
            return True
        fire.take(grey, pts_s, people_xyxy)
        return False
