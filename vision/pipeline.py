"""Per-camera analysis: pose → tracks → per-track state machines → SafetyEvent records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np

from streams.frame import Frame
from vision.body import measure
from vision.config import FallThresholds, VisionConfig
from vision.events import SafetyEvent, Severity
from vision.fall import FallSignal, Opinion, Phase, TrackFallState
from vision.fallen import PostureBoxes
from vision.fire import BoxMotion, FireBoxes, FireSchedule
from vision.night import NightConfig, NightMode, NightView
from vision.records import PersonObservation, PoseBatch
from vision.rules.engine import RuleEngine, build_rules
from vision.rules.lifecycle import RuleSignal
from vision.rules.scene import SceneView
from vision.scene_health import SceneHealthMonitor, SceneHealthReading
from vision.static_objects import StaticObjectDetector
from vision.tracker import PersonTracker, iou
from vision.zones import zone_kinds_at

_OPINION_MIN_IOU = 0.3
_OPINION_MIN_CONFIDENCE = 0.4
_DOWN_MIN_IOU = 0.3  # a weak pose this much over a person who is down is taken as them


class PoseEstimator(Protocol):
    version: str

    def infer(self, image_bgr: np.ndarray) -> PoseBatch: ...


class SecondOpinion(Protocol):
    """Classifies whole-frame people as fallen or not (expensive; asked on demand)."""

    version: str

    def classify(self, image_bgr: np.ndarray) -> PostureBoxes: ...


class FireModel(Protocol):
    """Finds fire and smoke boxes in a frame (expensive; run at the rules' fire_fps)."""

    version: str

    def detect(self, image_bgr: np.ndarray) -> FireBoxes: ...


@dataclass(frozen=True, slots=True)
class FrameAnalysis:
    """What one analysed frame produced; `phases` maps track id to its fall phase."""

    frame: Frame
    people: list[PersonObservation]
    phases: dict[int, Phase] = field(default_factory=dict)
    events: list[SafetyEvent] = field(default_factory=list)
    fire: FireBoxes | None = None  # None on frames the fire model did not look at
    health: SceneHealthReading | None = None


class _FrameOpinion:
    """Runs the second opinion at most once per frame, and only if a track asks for it."""

    def __init__(self, model: SecondOpinion | None, image_bgr: np.ndarray) -> None:
        self._model = model
        self._image = image_bgr
        self._result: PostureBoxes | None = None

    def for_box(self, box_xyxy: np.ndarray) -> Opinion:
        return lambda: self._score(box_xyxy)

    def _score(self, box_xyxy: np.ndarray) -> float | None:
        if self._model is None:
            return None
        if self._result is None:
            self._result = self._model.classify(self._image)
        overlaps = [iou(box_xyxy, other) for other in self._result.boxes_xyxy]
        if not overlaps or max(overlaps) < _OPINION_MIN_IOU:
            return None
        best = int(np.argmax(overlaps))
        fall, normal = self._result.fall_scores[best], self._result.normal_scores[best]
        if max(fall, normal) < _OPINION_MIN_CONFIDENCE:  # unsure either way: no opinion
            return None
        return float(fall)


class Analyzer:
    """Turns a camera's frames into tracked people and safety events."""

    def __init__(
        self,
        camera_id: str,
        config: VisionConfig,
        pose: PoseEstimator,
        second_opinion: SecondOpinion | None = None,
        fire: FireModel | None = None,
        scene_rules: bool = True,
        night: NightView | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.config = config
        self.pose = pose
        self.second_opinion = second_opinion
        self.fire = fire
        fall = config.fall
        self.tracker = PersonTracker(fall.track_max_age_s, start_score=fall.min_pose_score)
        self._states: dict[int, TrackFallState] = {}
        self._thresholds = {k: float(v) for k, v in config.fall.model_dump().items()}
        self._rule_thresholds = {k: float(v) for k, v in config.rules.model_dump().items()}
        self._versions = {"pose": pose.version}
        for role, model in (("second_opinion", second_opinion), ("fire", fire)):
            if model is not None:
                self._versions[role] = model.version
        self._timezone = ZoneInfo(config.timezone)
        self.night = night or NightMode(config.night, camera_id)
        # Without scene rules (replays of recorded poses have no real pictures) only falls run.
        rules = build_rules(config, fire is not None, health=True) if scene_rules else []
        self.rules = RuleEngine(rules)
        self.health_monitor = SceneHealthMonitor(config.health) if scene_rules else None
        has_exits = scene_rules and any(zone.kind == "exit" for zone in config.zones)
        self.static = StaticObjectDetector(config.static) if has_exits else None
        # The caller runs `check_fire` when `fire_due` (a scheduler when it has time, after
        # people; offline analysis before the frame), and the next analysed frame sees it.
        self._fire_schedule = FireSchedule(config.rules.fire_fps)
        self._fire_motion = BoxMotion()
        self._fire_found: FireBoxes | None = None
        self._fire_boxes: FireBoxes | None = None  # what the model found at its last look

    def watching(self) -> bool:
        """True while anyone is down (or on the way down): they must be seen on every frame."""
        return bool(self._down_ids())

    def people_xyxy(self) -> np.ndarray:
        """The boxes (normalised xyxy) of the people followed now, (N, 4)."""
        return np.array(list(self.tracker.boxes().values()), np.float32).reshape(-1, 4)

    def _down_ids(self) -> list[int]:
        return [tid for tid, state in self._states.items() if state.phase is not Phase.UPRIGHT]

    def process(self, frame: Frame) -> FrameAnalysis:
        poses = self.pose.infer(self.night.pose_picture(frame.image_bgr, frame.pts_s))
        scores = self._pose_scores()
        poses = poses.select(self._followable(poses, scores))
        self.tracker.start_score = scores.min_pose_score
        people = self.tracker.update(poses, frame.pts_s)
        lost = [tid for tid in self._states if tid not in self.tracker.live_ids()]
        signals = [s for tid in lost for s in self._states.pop(tid).close(frame.pts_s)]
        opinion = _FrameOpinion(self.second_opinion, frame.image_bgr)
        for person in people:
            state = self._states.setdefault(
                person.track_id, TrackFallState(person.track_id, self.config.fall)
            )
            body = measure(person, frame.pts_s, frame.size_wh, self._resting_place(person))
            signals += state.step(body, opinion.for_box(person.box_xyxy))
        seen = {person.track_id for person in people}
        for track_id, state in self._states.items():
            if track_id not in seen:
                signals += state.unseen(frame.pts_s)
        phases = {p.track_id: self._states[p.track_id].phase for p in people}
        fire = self._fire_seen()
        monitor = self.health_monitor
        health = monitor.update(frame.image_bgr, frame.pts_s) if monitor is not None else None
        view = self._scene(frame, people, lost, fire, health)
        events = [self._fall_event(s, frame) for s in signals]
        events += [self._rule_event(s, frame) for s in self.rules.step(view)]
        return FrameAnalysis(frame, people, phases, events, fire, health)

    def finish(self, frame: Frame) -> list[SafetyEvent]:
        """Close every open event at the end of a video (`frame` is the last one read)."""
        signals = [s for state in self._states.values() for s in state.close(frame.pts_s)]
        self._states.clear()
        events = [self._fall_event(s, frame) for s in signals]
        return events + [self._rule_event(s, frame) for s in self.rules.close()]

    def _scene(
        self,
        frame: Frame,
        people: list[PersonObservation],
        lost: list[int],
        fire: FireBoxes | None,
        health: SceneHealthReading | None,
    ) -> SceneView:
        """What the rules see of this frame (the static-object model is updated here)."""
        if self.static is not None:
            boxes = np.array([p.box_xyxy for p in people], np.float32).reshape(-1, 4)
            self.static.update(frame.image_bgr, frame.pts_s, boxes)
        local_time = datetime.fromtimestamp(frame.captured_at, self._timezone)
        return SceneView(frame.pts_s, local_time, people, lost, fire, self.static, health)

    def fire_due(self, pts_s: float) -> bool:
        """True when a fire check is due at video time `pts_s`."""
        return self.fire is not None and self._fire_schedule.due(pts_s)

    def check_fire(self, frame: Frame, unchanged: bool = False) -> None:
        """Look for fire and smoke now; the rules see the result with the next analysed frame.

        `unchanged`: the caller saw no change since the last check, whose boxes then stand
        (the model would look at the same picture again).
        """
        if self.fire is None:
            return
        self._fire_schedule.checked(frame.pts_s)
        boxes = self._fire_boxes
        if boxes is None or not unchanged:
            boxes = self._fire_boxes = self.fire.detect(frame.image_bgr)
        self._fire_found = self._fire_motion.measure(frame.image_bgr, boxes)

    def _fire_seen(self) -> FireBoxes | None:
        """The fire check this frame's rules see: the last one since the previous analysed
        frame (None: no check since)."""
        found, self._fire_found = self._fire_found, None
        return found

    def _pose_scores(self) -> FallThresholds | NightConfig:
        """The pose scores that apply now: the night's on a cleaned night picture, else the
        fall thresholds'."""
        return self.config.night if self.night.cleaning else self.config.fall

    def _followable(self, poses: PoseBatch, scores: FallThresholds | NightConfig) -> np.ndarray:
        """Poses strong enough to follow: `keep_pose_score`, or `down_keep_pose_score` for a
        pose over a person who is down."""
        keep = poses.scores >= scores.keep_pose_score
        boxes = self.tracker.boxes()
        down = [boxes[tid] for tid in self._down_ids() if tid in boxes]
        if not down:
            return keep
        for index in np.flatnonzero(~keep & (poses.scores >= scores.down_keep_pose_score)):
            keep[index] = max(iou(poses.boxes_xyxy[index], box) for box in down) >= _DOWN_MIN_IOU
        return keep

    def _resting_place(self, person: PersonObservation) -> bool:
        """True where lying is normal: a bed zone, or outside every floor zone if any exist."""
        zones = self.config.zones
        if not zones:
            return False
        x1, y1, x2, y2 = (float(v) for v in person.box_xyxy)
        kinds = zone_kinds_at(zones, (x1 + x2) / 2, (y1 + y2) / 2)
        has_floor = any(zone.kind == "floor" for zone in zones)
        return "bed" in kinds or (has_floor and "floor" not in kinds)

    def _fall_event(self, signal: FallSignal, frame: Frame) -> SafetyEvent:
        return SafetyEvent(
            type=signal.type,
            severity=Severity.CRITICAL,
            camera_id=self.camera_id,
            start_s=signal.start_s,
            end_s=signal.end_s,
            started_at=frame.captured_at - (frame.pts_s - signal.start_s),
            confidence=signal.confidence,
            track_id=signal.track_id,
            key=signal.key,
            parent_key=signal.parent_key,
            level=signal.level,
            thresholds=self._thresholds,
            detected_at=frame.captured_at,
            model_versions=self._versions,
        )

    def _rule_event(self, signal: RuleSignal, frame: Frame) -> SafetyEvent:
        return SafetyEvent(
            type=signal.type,
            severity=signal.severity,
            camera_id=self.camera_id,
            start_s=signal.start_s,
            end_s=signal.end_s,
            started_at=frame.captured_at - (frame.pts_s - signal.start_s),
            confidence=signal.confidence,
            track_id=signal.track_id,
            key=signal.key,
            thresholds=self._rule_thresholds,
            model_versions=self._versions,
            category=signal.category,
            zone_id=signal.zone_id,
            detected_at=frame.captured_at,
        )
