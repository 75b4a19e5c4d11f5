"""Per-clip perception cache for evaluation: record what the models returned, replay it later."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from carewatch.analyze.offline import analyze_frames
from carewatch.eval.manifest import clip_digest
from streams.frame import Frame
from vision.config import VisionConfig
from vision.events import SafetyEvent
from vision.fallen import PostureBoxes
from vision.night import NightView
from vision.pipeline import Analyzer, PoseEstimator, SecondOpinion
from vision.records import PoseBatch

log = logging.getLogger(__name__)


class CacheError(RuntimeError):
    """A recording does not match the frames it claims to describe."""


@dataclass(frozen=True, slots=True)
class FrameStamp:
    """What the analysis needs of a frame besides its pixels."""

    index: int
    pts_s: float
    size_wh: tuple[int, int]
    cleaned: bool = False  # pose ran on a cleaned night (infrared) picture


@dataclass(frozen=True, slots=True)
class Recording:
    """The perception of one clip: each analysed frame's stamp, pose batch and second opinion.

    `opinions` holds, per frame, what the second opinion answered where the analysis asked
    (None elsewhere); it is empty when no second opinion ran. `live_wall_s` is the wall time
    of the live run (decode, models, analysis), so a replayed evaluation reports real speed.
    """

    stamps: tuple[FrameStamp, ...]
    batches: tuple[PoseBatch, ...]
    live_wall_s: float
    opinions: tuple[PostureBoxes | None, ...] = ()

    def __post_init__(self) -> None:
        if len(self.stamps) != len(self.batches):
            raise CacheError(f"{len(self.stamps)} frames but {len(self.batches)} pose batches")
        if self.opinions and len(self.opinions) != len(self.stamps):
            raise CacheError(f"{len(self.stamps)} frames but {len(self.opinions)} opinions")

    def video_s(self, sample_fps: float) -> float:
        """Seconds of video analysed: first to last frame plus one sampling period."""
        if not self.stamps:
            return 0.0
        return self.stamps[-1].pts_s - self.stamps[0].pts_s + 1.0 / sample_fps


def stamp_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(FrameStamp))


def batch_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(PoseBatch))


def opinion_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(PostureBoxes))


def _no_boxes() -> PostureBoxes:
    none = np.zeros((0,), np.float32)
    return PostureBoxes(
        boxes_xyxy=np.zeros((0, 4), np.float32), fall_scores=none, normal_scores=none
    )


class PoseRecorder:
    """A pass-through estimator (and second opinion) that remembers what each frame got."""

    def __init__(self, inner: PoseEstimator, opinion: SecondOpinion | None = None) -> None:
        self.inner = inner
        self.version = inner.version
        self.opinion = _OpinionRecorder(self, opinion) if opinion is not None else None
        self._stamps: list[FrameStamp] = []
        self._batches: list[PoseBatch] = []
        self._opinions: list[PostureBoxes | None] = []
        self._calls = 0
        self._asked: PostureBoxes | None = None
        self._night: NightView | None = None
        self.problem: str | None = None  # set when the frames and pose calls do not pair up

    def watch_night(self, night: NightView) -> NightView:
        """`night`, whose cleaning at each frame goes into the recording."""
        self._night = night
        return night

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        batch = self.inner.infer(image_bgr)
        self._batches.append(batch)
        self._calls += 1
        return batch

    def watch(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        """Pass frames through, checking that each one got exactly one pose call."""
        for frame in frames:
            self._calls, self._asked = 0, None
            yield frame
            # Resumed when the analyzer asks for the next frame, i.e. after it processed this one.
            if self._calls != 1 and self.problem is None:
                self.problem = f"frame {frame.index}: {self._calls} pose calls, expected 1"
            cleaned = self._night is not None and self._night.cleaning
            self._stamps.append(FrameStamp(frame.index, frame.pts_s, frame.size_wh, cleaned))
            self._opinions.append(self._asked)

    def recording(self, live_wall_s: float) -> Recording:
        """What was recorded; CacheError if it cannot be replayed faithfully."""
        if self.problem is not None:
            raise CacheError(self.problem)
        opinions = tuple(self._opinions) if self.opinion is not None else ()
        return Recording(tuple(self._stamps), tuple(self._batches), live_wall_s, opinions)


class _OpinionRecorder:
    def __init__(self, owner: PoseRecorder, inner: SecondOpinion) -> None:
        self.owner, self.inner, self.version = owner, inner, inner.version

    def classify(self, image_bgr: np.ndarray) -> PostureBoxes:
        self.owner._asked = self.inner.classify(image_bgr)
        return self.owner._asked


_BLANK_PIXEL = np.zeros((1, 1, 3), np.uint8)


class PoseReplay:
    """Plays a Recording back: frames with a blank (zero-copy) image and the stored answers.

    A second-opinion question the live run did not ask (thresholds changed) has no stored
    answer: it gets no boxes, i.e. no opinion, and is counted in `opinion_misses`.
    """

    def __init__(self, recording: Recording, version: str, opinion_version: str | None) -> None:
        self.recording = recording
        self.version = version
        self.opinion = _OpinionReplay(self, opinion_version) if opinion_version else None
        self.opinion_misses = 0
        self.cleaning = False  # as recorded for the frame being replayed
        self._next: PoseBatch | None = None
        self._answer: PostureBoxes | None = None

    def pose_picture(self, image_bgr: np.ndarray, pts_s: float) -> np.ndarray:
        """As a NightView: the (blank) picture as it is; `cleaning` is as recorded."""
        return image_bgr

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        if self._next is None:
            raise CacheError("replay: a second pose call for one frame")
        batch, self._next = self._next, None
        return batch

    def frames(self, camera_id: str) -> Iterator[Frame]:
        answers = self.recording.opinions or (None,) * len(self.recording.stamps)
        for stamp, batch, answer in zip(
            self.recording.stamps, self.recording.batches, answers, strict=True
        ):
            self._next, self._answer, self.cleaning = batch, answer, stamp.cleaned
            width, height = stamp.size_wh
            image = np.broadcast_to(_BLANK_PIXEL, (height, width, 3))
            yield Frame(camera_id, stamp.index, stamp.pts_s, time.time(), image)


class _OpinionReplay:
    def __init__(self, owner: PoseReplay, version: str) -> None:
        self.owner, self.version = owner, version

    def classify(self, image_bgr: np.ndarray) -> PostureBoxes:
        if self.owner._answer is None:
            self.owner.opinion_misses += 1
            return _no_boxes()
        return self.owner._answer


@dataclass(frozen=True, slots=True)
class ModelVersions:
    """The models whose answers a recording holds; part of every cache key."""

    pose: str
    opinion: str | None = None  # None: no second opinion ran

    @property
    def key(self) -> str:
        return f"{self.pose}+{self.opinion or 'no-second-opinion'}"


@dataclass(frozen=True, slots=True)
class Replayed:
    events: list[SafetyEvent]
    opinion_misses: int


def replay_events(
    recording: Recording,
    camera_id: str,
    vision: VisionConfig,
    versions: ModelVersions,
) -> Replayed:
    """The finished events the analysis gives on recorded perception (no model runs)."""
    replay = PoseReplay(recording, versions.pose, versions.opinion)
    analyzer = Analyzer(camera_id, vision, replay, replay.opinion, scene_rules=False, night=replay)
    events = list(analyze_frames(replay.frames(camera_id), analyzer, gated=False))
    return Replayed(events, replay.opinion_misses)


def encode(recording: Recording) -> dict[str, np.ndarray]:
    """Flat arrays for an .npz: per record field, a presence mask, row counts and the rows."""
    arrays = {
        "index": np.array([s.index for s in recording.stamps], np.int64),
        "pts_s": np.array([s.pts_s for s in recording.stamps], np.float64),
        "size_wh": np.array([s.size_wh for s in recording.stamps], np.int64).reshape(-1, 2),
        "cleaned": np.array([s.cleaned for s in recording.stamps], bool),
        "live_wall_s": np.array(recording.live_wall_s, np.float64),
    }
    arrays |= _encode_records("", recording.batches, batch_fields())
    if recording.opinions:
        arrays |= _encode_records("opinion.", recording.opinions, opinion_fields())
    return arrays


def _encode_records(
    prefix: str, records: Sequence[Any | None], names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    arrays = {f"{prefix}__asked": np.array([r is not None for r in records], bool)}
    for name in names:
        values = [getattr(r, name) for r in records if r is not None]
        kept = [np.asarray(v) for v in values if v is not None]
        if any(v.ndim == 0 for v in kept):
            raise CacheError(f"{prefix}{name}: cannot cache a 0-d array")
        arrays[f"{prefix}{name}__present"] = np.array([v is not None for v in values], bool)
        arrays[f"{prefix}{name}__rows"] = np.array([len(v) for v in kept], np.int64)
        arrays[f"{prefix}{name}"] = np.concatenate(kept) if kept else np.zeros((0,), np.float32)
    return arrays


def decode(arrays: Any) -> Recording:
    """The Recording `encode` stored; `arrays` is a mapping such as an open NpzFile."""
    sizes = [(int(w), int(h)) for w, h in arrays["size_wh"]]
    stamps = tuple(
        FrameStamp(int(i), float(p), wh, bool(c))
        for i, p, wh, c in zip(
            arrays["index"], arrays["pts_s"], sizes, arrays["cleaned"], strict=True
        )
    )
    batches = _decode_records(arrays, "", PoseBatch, batch_fields())
    opinions: list[Any] = []
    if "opinion.__asked" in arrays:
        opinions = _decode_records(arrays, "opinion.", PostureBoxes, opinion_fields())
    return Recording(stamps, tuple(batches), float(arrays["live_wall_s"]), tuple(opinions))


def _decode_records(arrays: Any, prefix: str, cls: Any, names: tuple[str, ...]) -> list[Any]:
    asked = arrays[f"{prefix}__asked"]
    columns = {name: _column(arrays, f"{prefix}{name}") for name in names}
    records = iter([cls(**{n: c[i] for n, c in columns.items()}) for i in range(int(asked.sum()))])
    return [next(records) if here else None for here in asked]


def _column(arrays: Any, name: str) -> list[np.ndarray | None]:
    present, rows, data = arrays[f"{name}__present"], arrays[f"{name}__rows"], arrays[name]
    parts = iter(np.split(data, np.cumsum(rows)[:-1]) if len(rows) else [])
    return [next(parts) if here else None for here in present]


class PoseCache:
    """Recordings and baseline results on disk, keyed by clip file, variant, fps and model."""

    def __init__(self, root: Path | None) -> None:
        self.root = root  # None: caching is off

    def key(self, kind: str, clip: Path, variant: str, fps: float, version: str) -> dict[str, Any]:
        """What a cached result depends on: the clip's content (not its path or mtime),
        variant, rate and models; a changed clip file or model gives a new key."""
        return {
            "kind": kind,
            "clip": clip.name,
            "sha256": clip_digest(clip),
            "variant": variant,
            "fps": fps,
            "version": version,
            # A recording's format follows the records it stores; a baseline result's does not.
            "fields": [*stamp_fields(), *batch_fields(), *opinion_fields()]
            if kind == "pose"
            else [],
        }

    def load_recording(self, key: dict[str, Any] | None) -> Recording | None:
        path = self._path(key, ".npz")
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path) as arrays:
                if str(arrays["key"]) != _key_text(key):
                    return None
                return decode(arrays)
        except (OSError, ValueError, KeyError, CacheError, zipfile.BadZipFile) as error:
            log.warning("ignoring unreadable cache file %s: %s", path, error)
            return None

    def save_recording(self, key: dict[str, Any] | None, recording: Recording) -> None:
        path = self._path(key, ".npz")
        if path is not None:
            arrays: dict[str, Any] = {"key": np.array(_key_text(key)), **encode(recording)}
            _atomic_write(path, lambda f: np.savez_compressed(f, **arrays))

    def load_json(self, key: dict[str, Any] | None) -> dict[str, Any] | None:
        path = self._path(key, ".json")
        if path is None or not path.is_file():
            return None
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            log.warning("ignoring unreadable cache file %s: %s", path, error)
            return None
        return stored["value"] if stored.get("key") == key else None

    def save_json(self, key: dict[str, Any] | None, value: dict[str, Any]) -> None:
        path = self._path(key, ".json")
        if path is not None:
            text = json.dumps({"key": key, "value": value})
            _atomic_write(path, lambda f: f.write(text.encode()))

    def _path(self, key: dict[str, Any] | None, suffix: str) -> Path | None:
        if self.root is None or key is None:
            return None
        digest = hashlib.sha256(_key_text(key).encode()).hexdigest()[:16]
        return self.root / f"{Path(key['clip']).stem}-{key['variant']}-{digest}{suffix}"


def _key_text(key: dict[str, Any] | None) -> str:
    return json.dumps(key, sort_keys=True)


def _atomic_write(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as file:
        write(file)
    os.replace(partial, path)
