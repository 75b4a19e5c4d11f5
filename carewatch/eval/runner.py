"""Runs every manifest clip and variant through carewatch (live or cached) and the baseline."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from carewatch.analyze.offline import analyze_frames
from carewatch.eval.baseline import NfdBaseline
from carewatch.eval.manifest import ManifestRow
from carewatch.eval.metrics import ORIGINAL, ClipOutcome, Detection, judge
from carewatch.eval.pose_cache import (
    CacheError,
    ModelVersions,
    PoseCache,
    PoseRecorder,
    Recording,
    replay_events,
)
from carewatch.eval.variants import variant_frames
from streams.sources import SourceError
from vision.config import VisionConfig
from vision.events import EventType, SafetyEvent
from vision.night import NightMode
from vision.pipeline import Analyzer, PoseEstimator, SecondOpinion

log = logging.getLogger(__name__)

CAREWATCH = "carewatch"
PROBE_LONG_LIE_S = 1.0  # immobile clips are seconds long; the configured long lie is a minute


@dataclass(frozen=True, slots=True)
class ClipPerception:
    """A clip's recorded perception (original variant), for threshold sweeps."""

    row: ManifestRow
    camera_id: str
    recording: Recording


@dataclass(frozen=True, slots=True)
class EvalRun:
    outcomes: list[ClipOutcome]
    perceptions: list[ClipPerception]
    versions: ModelVersions


class Progress:
    """A one-line progress bar on stderr; on a non-terminal, a line every tenth of the way."""

    def __init__(self, total: int, title: str, stream: TextIO | None = None) -> None:
        self.total, self.title, self.done = total, title, 0
        self.stream = stream or sys.stderr
        self._tty = self.stream.isatty()
        self._started = time.perf_counter()
        self._last_tenth = -1

    def step(self, name: str) -> None:
        self.done += 1
        tenth = self.done * 10 // max(self.total, 1)
        if not self._tty and tenth == self._last_tenth and self.done < self.total:
            return
        self._last_tenth = tenth
        print(self.line(name), end="\r" if self._tty else "\n", file=self.stream, flush=True)

    def line(self, name: str) -> str:
        filled = self.done * 24 // max(self.total, 1)
        elapsed_s = time.perf_counter() - self._started
        eta_s = elapsed_s / self.done * (self.total - self.done) if self.done else 0.0
        bar = "#" * filled + "-" * (24 - filled)
        return (
            f"{self.title} [{bar}] {self.done}/{self.total} {elapsed_s:5.0f}s "
            f"eta {eta_s:4.0f}s  {name[-40:]:<40}"
        )

    def close(self) -> None:
        if self._tty:
            print(file=self.stream, flush=True)


class Evaluator:
    """Evaluates manifest rows; perception is recorded to, and replayed from, the cache."""

    def __init__(
        self,
        vision: VisionConfig,
        estimator: PoseEstimator,
        cache: PoseCache,
        baseline: NfdBaseline | None = None,
        camera_id_for: Callable[[ManifestRow], str] = lambda row: row.path.stem,
        opinion: SecondOpinion | None = None,
    ) -> None:
        self.vision = vision
        self.estimator = estimator
        self.opinion = opinion
        pose_version = "+".join(filter(None, (estimator.version, vision.night.version)))
        self.versions = ModelVersions(pose_version, opinion.version if opinion else None)
        self.cache = cache
        self.baseline = baseline
        self.camera_id_for = camera_id_for

    def run(
        self, rows: Sequence[ManifestRow], variants: Sequence[str], progress: Progress | None
    ) -> EvalRun:
        outcomes: list[ClipOutcome] = []
        perceptions: list[ClipPerception] = []
        for variant in variants:
            for row in rows:
                clip_outcomes, perception = self.clip(row, variant)
                outcomes += clip_outcomes
                if perception is not None and variant == ORIGINAL:
                    perceptions.append(perception)
                if progress is not None:
                    progress.step(f"{variant} {row.clip}")
        return EvalRun(outcomes, perceptions, self.versions)

    def clip(
        self, row: ManifestRow, variant: str
    ) -> tuple[list[ClipOutcome], ClipPerception | None]:
        """carewatch's outcome (and the baseline's) on one clip variant."""
        detectors = [CAREWATCH] + ([self.baseline.name] if self.baseline else [])
        if row.label == "fire":
            return [_outcome(row, variant, name, None) for name in detectors], None
        try:
            return self._evaluate(row, variant)
        except SourceError as error:
            errors = [_outcome(row, variant, name, None, error=str(error)) for name in detectors]
            return errors, None

    def _evaluate(
        self, row: ManifestRow, variant: str
    ) -> tuple[list[ClipOutcome], ClipPerception | None]:
        camera_id = self.camera_id_for(row)
        outcome, recording = self._carewatch(row, variant, camera_id)
        outcomes = [outcome]
        if self.baseline is not None:
            outcomes.append(self._baseline(row, variant, camera_id))
        perception = ClipPerception(row, camera_id, recording) if recording else None
        return outcomes, perception

    def _key(
        self, kind: str, row: ManifestRow, variant: str, fps: float, version: str
    ) -> dict[str, Any] | None:
        try:
            return self.cache.key(kind, row.path, variant, fps, version)
        except OSError:
            return None  # unreadable clip: the live run reports why

    def _carewatch(
        self, row: ManifestRow, variant: str, camera_id: str
    ) -> tuple[ClipOutcome, Recording | None]:
        """Replays cached perception, else runs the model (and caches what it saw)."""
        key = self._key("pose", row, variant, self.vision.analysis_fps, self.versions.key)
        started = time.perf_counter()
        recording = cached = self.cache.load_recording(key)
        replayed = (
            None if cached is None else replay_events(cached, camera_id, self.vision, self.versions)
        )
        if replayed is not None and replayed.opinion_misses == 0:
            events = replayed.events
        else:  # not cached, or the thresholds now ask the second opinion about other frames
            cached = None
            events, recording = self._live(row, variant, camera_id)
            if recording is not None:
                self.cache.save_recording(key, recording)
        wall_s = time.perf_counter() - started
        fps = self.vision.analysis_fps
        detections = [Detection.from_event(e) for e in events]
        outcome = _outcome(
            row,
            variant,
            CAREWATCH,
            judge(row.label, detections, row.annotations),
            frames=len(recording.stamps) if recording else 0,
            video_s=recording.video_s(fps) if recording else 0.0,
            wall_s=wall_s,
            live_wall_s=recording.live_wall_s if recording else wall_s,
            cached=cached is not None,
            lying_recognised=self._lying_probe(row, camera_id, recording),
            detections=tuple(detections),
        )
        return outcome, recording

    def _live(
        self, row: ManifestRow, variant: str, camera_id: str
    ) -> tuple[list[SafetyEvent], Recording | None]:
        """The same path as `carewatch analyze`, with the estimator's output recorded."""
        started = time.perf_counter()
        frames = variant_frames(str(row.path), camera_id, self.vision.analysis_fps, variant)
        recorder = PoseRecorder(self.estimator, self.opinion)
        night = recorder.watch_night(NightMode(self.vision.night, camera_id))
        analyzer = Analyzer(
            camera_id, self.vision, recorder, recorder.opinion, scene_rules=False, night=night
        )
        watched = recorder.watch(frames)
        events = list(analyze_frames(watched, analyzer, gated=False))
        try:
            return events, recorder.recording(time.perf_counter() - started)
        except CacheError as error:
            log.warning("%s: perception not cached: %s", row.clip, error)
            return events, None

    def _lying_probe(
        self, row: ManifestRow, camera_id: str, recording: Recording | None
    ) -> bool | None:
        """On immobile clips: would the long-lie logic see the person as lying at all?"""
        if row.label != "immobile" or recording is None:
            return None
        if "long_lie_s" not in type(self.vision.fall).model_fields:
            return None
        fall = self.vision.fall.model_copy(update={"long_lie_s": PROBE_LONG_LIE_S})
        probe = self.vision.model_copy(update={"fall": fall})
        events = replay_events(recording, camera_id, probe, self.versions).events
        return any(e.type == EventType.LONG_LIE for e in events)

    def _baseline(self, row: ManifestRow, variant: str, camera_id: str) -> ClipOutcome:
        """The baseline on its own decode pass (interleaving two models skews both timings)."""
        assert self.baseline is not None
        fps, version = self.baseline.sample_fps, self.baseline.version
        key = self._key("baseline", row, variant, fps, version)
        started = time.perf_counter()
        result = cached = self.cache.load_json(key)
        if cached is None:
            result = self._baseline_run(row, variant, camera_id)
            self.cache.save_json(key, result)
        assert result is not None
        detections = [Detection(EventType.FALL, None, t) for t in result["alarms_s"]]
        return _outcome(
            row,
            variant,
            self.baseline.name,
            judge(row.label, detections, row.annotations),
            frames=int(result["frames"]),
            video_s=float(result["video_s"]),
            wall_s=time.perf_counter() - started,
            live_wall_s=float(result["live_wall_s"]),
            cached=cached is not None,
            detections=tuple(detections),
        )

    def _baseline_run(self, row: ManifestRow, variant: str, camera_id: str) -> dict[str, Any]:
        assert self.baseline is not None
        run = self.baseline.start_clip()
        started = time.perf_counter()
        for frame in variant_frames(str(row.path), camera_id, self.baseline.sample_fps, variant):
            run.process(frame)
        return {
            "alarms_s": run.alarms_s,
            "frames": run.frames,
            "video_s": run.video_s(),
            "live_wall_s": time.perf_counter() - started,
        }


def _outcome(
    row: ManifestRow, variant: str, detector: str, verdict: Any, **timing: Any
) -> ClipOutcome:
    return ClipOutcome(
        row.clip, row.label, row.source, variant, detector, verdict, held_out=row.held_out, **timing
    )
