"""Rendered demo camera: a room where a person walks, falls, lies still and gets up again."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from streams.config import DemoSourceConfig
from streams.demo_draw import Point, clock_text, draw_caption, draw_person, draw_room
from streams.frame import Frame
from streams.sampling import RealtimePacer

FALL_S = 0.6
GETUP_S = 1.5
MAX_LIE_S = 12.0
PERSON_HEIGHT_FRAC = 0.6  # standing person's height as a fraction of the frame height
FEET_Y_FRAC = 0.88
WALK_SPEED_FRAC_S = 0.1  # frame widths per second, about an elderly person's pace


@dataclass(frozen=True, slots=True)
class Timeline:
    """One scenario cycle: walk, fall, lie still, get up, walk on (seconds)."""

    walk1_s: float
    lie_s: float
    walk2_s: float
    speed_px_s: float
    fall_at_px: float  # walked distance at which the fall starts

    @property
    def fall_start_s(self) -> float:
        return self.walk1_s

    @property
    def lie_start_s(self) -> float:
        return self.walk1_s + FALL_S

    @property
    def getup_start_s(self) -> float:
        return self.lie_start_s + self.lie_s

    @property
    def cycle_s(self) -> float:
        return self.getup_start_s + GETUP_S + self.walk2_s


def plan_timeline(width: int, scenario_s: float) -> Timeline:
    """Speeds chosen so the walk covers whole laps (no jump between cycles) and the fall
    happens heading right, a quarter width into the lap, so the lying body stays in view."""
    lie_s = min(MAX_LIE_S, 0.3 * scenario_s)
    walking_s = scenario_s - FALL_S - lie_s - GETUP_S
    lap_px = 2 * 0.7 * width
    laps = max(1, round(walking_s * WALK_SPEED_FRAC_S * width / lap_px))
    speed_px_s = laps * lap_px / walking_s
    fall_at_px = (laps // 2) * lap_px + 0.25 * width
    walk1_s = fall_at_px / speed_px_s
    return Timeline(walk1_s, lie_s, walking_s - walk1_s, speed_px_s, fall_at_px)


@dataclass(frozen=True, slots=True)
class Posture:
    """Angles (radians) that drive the figure; `tilt` 0 is upright, pi/2 lies flat."""

    tilt: float = 0.0
    stride_phase: float = 0.0
    swing: float = 0.0  # walking amplitude, 0..1
    arm_reach: float = 0.0
    knee_bend: float = 0.0


def _limb(start: Point, length: float, angle: float) -> Point:
    """End of a limb hanging from `start`, rotated forward by `angle` from straight down."""
    return start[0] + length * math.sin(angle), start[1] - length * math.cos(angle)


def skeleton(posture: Posture) -> dict[str, Point]:
    """Joint positions in body units (height 1, y up, facing +x), before tilting."""
    leg = 0.42 * posture.swing * math.sin(posture.stride_phase)
    lift = 0.6 * posture.swing * max(0.0, math.cos(posture.stride_phase))
    joints: dict[str, Point] = {"hip": (0.0, 0.52), "neck": (0.01, 0.83), "head": (0.03, 0.925)}
    joints["shoulder"] = (0.0, 0.8)
    for side, sign in (("near", 1.0), ("far", -1.0)):
        bend = posture.knee_bend + (lift if sign * leg > 0 else 0.1 * posture.swing)
        joints[f"{side}_knee"] = _limb(joints["hip"], 0.25, sign * leg)
        joints[f"{side}_ankle"] = _limb(joints[f"{side}_knee"], 0.25, sign * leg - bend)
        arm = -0.7 * sign * leg + posture.arm_reach * (1.0 + 0.15 * sign)
        joints[f"{side}_elbow"] = _limb(joints["shoulder"], 0.16, arm)
        joints[f"{side}_wrist"] = _limb(joints[f"{side}_elbow"], 0.15, arm + 0.35)
    return joints


def place(joints: dict[str, Point], tilt: float, direction: int) -> dict[str, Point]:
    """Tilts the body forward about the feet, rests its lowest point on the floor, mirrors."""
    cos_t, sin_t = math.cos(tilt), math.sin(tilt)
    turned = {k: (x * cos_t + y * sin_t, -x * sin_t + y * cos_t) for k, (x, y) in joints.items()}
    # The margin is the thickness below the lowest joint: a shoe upright, the torso lying down.
    floor = min(y for _, y in turned.values()) - (0.025 + 0.05 * abs(sin_t))
    return {k: (direction * x, y - floor) for k, (x, y) in turned.items()}


class DemoScene:
    """Draws the room once and the person per frame; everything is a function of time."""

    def __init__(self, width: int, height: int, scenario_s: float) -> None:
        self.width, self.height = width, height
        self.timeline = plan_timeline(width, scenario_s)
        self.person_px = PERSON_HEIGHT_FRAC * height
        self.feet_y = FEET_Y_FRAC * height
        self.background = draw_room(width, height)

    def phase_at(self, t_s: float) -> str:
        """ "walk", "fall", "lie" or "getup" at video time `t_s`."""
        tl, t = self.timeline, t_s % self.timeline.cycle_s
        if t < tl.fall_start_s:
            return "walk"
        if t < tl.lie_start_s:
            return "fall"
        if t < tl.getup_start_s:
            return "lie"
        return "getup" if t < tl.getup_start_s + GETUP_S else "walk"

    def render(self, t_s: float, caption: str = "") -> np.ndarray:
        """The room at video time `t_s`, with `caption` (clock and camera name) at the top."""
        image = self.background.copy()
        walked_px, posture = self._state(t_s % self.timeline.cycle_s)
        x_px, direction = self._lap_position(walked_px)
        joints = place(skeleton(posture), posture.tilt, direction)
        size = self.person_px
        to_px = {k: (x_px + x * size, self.feet_y - y * size) for k, (x, y) in joints.items()}
        draw_person(image, to_px, self.person_px, direction)
        draw_caption(image, caption)
        return image

    def _state(self, t: float) -> tuple[float, Posture]:
        tl, speed = self.timeline, self.timeline.speed_px_s
        stride_px = 0.8 * self.person_px
        if t < tl.fall_start_s:
            return t * speed, Posture(stride_phase=2 * math.pi * t * speed / stride_px, swing=1.0)
        phase0 = 2 * math.pi * tl.fall_at_px / stride_px
        if t < tl.lie_start_s:  # accelerating topple, arms thrown forward
            p = (t - tl.fall_start_s) / FALL_S
            return tl.fall_at_px, Posture(p * p * math.pi / 2, phase0, 1 - p, 2.6 * p, 0.4 * p)
        if t < tl.getup_start_s:
            return tl.fall_at_px, Posture(math.pi / 2, phase0, 0.0, 2.6, 0.15)
        if t < tl.getup_start_s + GETUP_S:  # rise through a crouch
            p = (t - tl.getup_start_s) / GETUP_S
            ease = p * p * (3 - 2 * p)
            tilt = (1 - ease) * math.pi / 2
            return tl.fall_at_px, Posture(
                tilt, phase0, 0.0, 2.6 * (1 - ease), math.sin(p * math.pi)
            )
        walked_px = tl.fall_at_px + (t - tl.getup_start_s - GETUP_S) * speed
        ramp = min(1.0, (t - tl.getup_start_s - GETUP_S) / 0.5)
        return walked_px, Posture(stride_phase=2 * math.pi * walked_px / stride_px, swing=ramp)

    def _lap_position(self, walked_px: float) -> tuple[float, int]:
        left, span = 0.15 * self.width, 0.7 * self.width
        s = walked_px % (2 * span)
        return (left + s, 1) if s < span else (left + 2 * span - s, -1)


class DemoSource:
    """The demo room as a camera, paced at `fps` in real time unless `realtime` is off.

    Each frame carries a CCTV clock of its capture time in `config.timezone` (the facility's,
    filled in by the settings), labelled with its UTC offset, and the camera's id.
    """

    def __init__(
        self, camera_id: str, config: DemoSourceConfig, *, pacer: RealtimePacer | None = None
    ) -> None:
        self.camera_id = camera_id
        self.config = config
        self._pacer = pacer or RealtimePacer()
        self._scene: DemoScene | None = None
        self._index = 0
        self._timezone = ZoneInfo(config.timezone) if config.timezone else None

    @property
    def nominal_fps(self) -> float:
        return self.config.fps

    @property
    def scene(self) -> DemoScene | None:
        return self._scene

    def open(self) -> None:
        self._scene = self._scene or DemoScene(
            self.config.width, self.config.height, self.config.scenario_s
        )
        self._pacer.reset()

    def read(self) -> Frame | None:
        if self._scene is None:
            raise RuntimeError("DemoSource.read() before open()")
        pts_s = self._index / self.config.fps
        if self.config.realtime:
            self._pacer.wait_for(pts_s)
        captured_at = time.time()
        caption = f"{clock_text(captured_at, self._timezone)}  {self.camera_id}"
        image = self._scene.render(pts_s, caption)
        frame = Frame(self.camera_id, self._index, pts_s, captured_at, image)
        self._index += 1
        return frame

    def close(self) -> None:
        self._pacer.reset()
