"""`carewatch bench --baseline nfd`: offline throughput, carewatch beside the baseline.

Both go over the same clips in the same run, as fast as they can: decode, sample to their
analysis rate (carewatch: the default 8 fps; neura-fall-detection: its 8 fps), analyse.
carewatch decodes as its live cameras do (without deblocking), the baseline as FFmpeg does
by default.
Model loading is left out of the clock for both; each clip gets fresh detector state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carewatch.analyze.offline import (
    analyze_ahead,
    build_offline_models,
    default_workers,
    live_frames,
    on_clock,
)
from carewatch.eval.baseline import NfdBaseline
from streams.frame import Frame
from streams.sources import iter_file_frames
from vision.config import ModelsConfig, VisionConfig

log = logging.getLogger(__name__)
CAREWATCH = "carewatch"


@dataclass(slots=True)
class FrameTally:
    """Counts the frames a detector was given and the video time they span."""

    frames: int = 0
    video_s: float = 0.0

    def count(self, frames: Iterable[Frame], fps: float) -> Iterator[Frame]:
        first = last = None
        for frame in frames:
            first = frame.pts_s if first is None else first
            last = frame.pts_s
            self.frames += 1
            yield frame
        if first is not None and last is not None:
            self.video_s += last - first + 1.0 / fps  # the last sampled frame lasts a period


@dataclass(frozen=True, slots=True)
class Throughput:
    detector: str
    clips: int
    frames: int  # frames analysed (after sampling to the detector's rate)
    video_s: float
    wall_s: float
    analysis_fps: float

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def x_realtime(self) -> float:
        """Video seconds analysed per wall second."""
        return self.video_s / self.wall_s if self.wall_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "clips": self.clips,
            "frames": self.frames,
            "video_s": round(self.video_s, 2),
            "wall_s": round(self.wall_s, 2),
            "analysis_fps": self.analysis_fps,
            "frames_per_s": round(self.frames_per_s, 2),
            "x_realtime": round(self.x_realtime, 2),
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    ours: Throughput
    baseline: Throughput

    @property
    def ratio(self) -> float:
        """How many times faster than real time carewatch is, over the baseline's."""
        return self.ours.x_realtime / self.baseline.x_realtime if self.baseline.wall_s else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "carewatch": self.ours.to_json(),
            "baseline": self.baseline.to_json(),
            "ratio": round(self.ratio, 2),
        }

    def render(self) -> str:
        rows = [
            f"{'detector':<10} {'clips':>5} {'frames':>7} {'video s':>8} {'wall s':>7} "
            f"{'frames/s':>9} {'x real time':>11}"
        ]
        for item in (self.ours, self.baseline):
            rows.append(
                f"{item.detector:<10} {item.clips:>5} {item.frames:>7} {item.video_s:>8.1f} "
                f"{item.wall_s:>7.1f} {item.frames_per_s:>9.1f} {item.x_realtime:>11.2f}"
            )
        rows.append(f"carewatch / {self.baseline.detector}: {self.ratio:.2f}x")
        return "\n".join(rows)


ClipRun = Callable[[FrameTally], None]


def timed(
    name: str, clips: Sequence[Path], fps: float, prepare: Callable[[Path], ClipRun]
) -> Throughput:
    """Each clip: `prepare` it (fresh detector state, off the clock), then run its frames."""
    tally, wall_s = FrameTally(), 0.0
    for path in clips:
        run = prepare(path)
        started = time.perf_counter()
        run(tally)
        wall_s += time.perf_counter() - started
        log.info("%s: %s done (%d frames so far)", name, path.name, tally.frames)
    return Throughput(name, len(clips), tally.frames, tally.video_s, wall_s, fps)


def carewatch_throughput(
    clips: Sequence[Path],
    models: ModelsConfig,
    workers: int | None = None,
    vision: VisionConfig | None = None,
) -> Throughput:
    """`carewatch analyze`'s path (analyze_file's steps) with `vision`'s analysis settings
    (default: the defaults): the models on `workers` threads (default: one per core) ahead
    of the analysis."""
    vision = VisionConfig() if vision is None else vision
    offline = build_offline_models(models, workers or default_workers())
    fps = vision.analysis_fps

    def prepare(path: Path) -> ClipRun:
        def run(tally: FrameTally) -> None:
            decoded = tally.count(live_frames(path, path.stem, fps), fps)
            frames = on_clock(decoded, time.time())
            for _ in analyze_ahead(frames, path.stem, vision, models, offline):
                pass

        return run

    return timed(CAREWATCH, clips, fps, prepare)


def nfd_throughput(clips: Sequence[Path], baseline: NfdBaseline) -> Throughput:
    """neura-fall-detection's own detector, as `carewatch eval --baseline nfd` runs it."""
    fps = baseline.sample_fps

    def prepare(path: Path) -> ClipRun:
        clip = baseline.start_clip()

        def run(tally: FrameTally) -> None:
            for frame in tally.count(iter_file_frames(str(path), path.stem, fps), fps):
                clip.process(frame)

        return run

    return timed(baseline.name, clips, fps, prepare)


def compare(
    clips: Sequence[Path], models: ModelsConfig, vision: VisionConfig, baseline: NfdBaseline
) -> Comparison:
    ours = carewatch_throughput(clips, models, vision=vision)
    return Comparison(ours, nfd_throughput(clips, baseline))
