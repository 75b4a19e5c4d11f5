"""Per-camera analysis: pose → tracks → per-track state machines → SafetyEvent records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from streams.frame import Frame
from vision.config import VisionConfig
from vision.events import SafetyEvent, Severity
from vision.fall import FallSignal, Phase, TrackFallState, measure
from vision.records import PersonObservation, PoseBatch
from vision.tracker import PersonTracker


class PoseEstimator(Protocol):
    version: str

    def infer(self, image_bgr: np.ndarray) -> PoseBatch: ...


@dataclass(frozen=True, slots=True)
class FrameAnalysis:
    """What one analysed frame produced; `phases` maps track id to its fall phase."""

    frame: Frame
    people: list[PersonObservation]
    phases: dict[int, Phase] = field(default_factory=dict)
    events: list[SafetyEvent] = field(default_factory=list)


class Analyzer:
    """Turns a camera's frames into tracked people and safety events."""

    def __init__(self, camera_id: str, config: VisionConfig, pose: PoseEstimator) -> None:
        self.camera_id = camera_id
        self.config = config
        self.pose = pose
        self.tracker = PersonTracker(config.fall.track_max_age_s)
        self._states: dict[int, TrackFallState] = {}
        self._thresholds = {k: float(v) for k, v in config.fall.model_dump().items()}

    def process(self, frame: Frame) -> FrameAnalysis:
        poses = self.pose.infer(frame.image_bgr)
        poses = poses.select(poses.scores >= self.config.fall.min_pose_score)
        people = self.tracker.update(poses, frame.pts_s)
        signals = self._drop_lost_tracks(frame.pts_s)
        for person in people:
            state = self._states.setdefault(
                person.track_id, TrackFallState(person.track_id, self.config.fall)
            )
            signals += state.step(measure(person, frame.pts_s, frame.size_wh))
        phases = {p.track_id: self._states[p.track_id].phase for p in people}
        events = [self._to_event(s, frame) for s in signals]
        return FrameAnalysis(frame, people, phases, events)

    def finish(self, frame: Frame) -> list[SafetyEvent]:
        """Close every open event at the end of a video (`frame` is the last one read)."""
        signals = [s for state in self._states.values() for s in state.close(frame.pts_s)]
        self._states.clear()
        return [self._to_event(s, frame) for s in signals]

    def _drop_lost_tracks(self, pts_s: float) -> list[FallSignal]:
        live = self.tracker.live_ids()
        lost = [tid for tid in self._states if tid not in live]
        return [s for tid in lost for s in self._states.pop(tid).close(pts_s)]

    def _to_event(self, signal: FallSignal, frame: Frame) -> SafetyEvent:
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
            thresholds=self._thresholds,
            model_versions={"pose": self.pose.version},
        )
