"""Bench workloads from real clips: busy (people all the time) and typical (busy 20%).

A typical camera shows an empty, still room four times as long as the real clip, then the
clip: the room is the clip's per-pixel median with the people masked out (MoveNet boxes),
checked empty by MoveNet, shown with faint sensor noise. Generated files are cached.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from carewatch.bench.report import BUSY
from carewatch.eval.manifest import ManifestRow, clip_digest, read_manifest
from streams.sampling import RateSampler
from vision.pipeline import PoseEstimator

log = logging.getLogger(__name__)

GENERATOR_VERSION = 1  # bump when the generated files change: the cache keys include it
STILL_FACTOR = 4  # the empty room lasts this many times the clip: busy 1 / (1 + 4) = 20%
NOISE_LEVEL = 2  # ± grey levels of sensor noise on the still room
NOISE_FRAMES = 17  # distinct noise patterns, cycled (prime: no beat with a GOP length)
PLATE_FRAMES = 40  # frames sampled along a clip for its empty-room median
MASK_SCORE = 0.05  # people found at this MoveNet score are masked out of the median
# A plate is empty when MoveNet finds nobody at this score (people lying score 0.1-0.2).
EMPTY_SCORE = 0.1
MIN_VISIBLE = 0.2  # a pixel seen (unmasked) in fewer of the frames is filled in from around
MASK_MARGIN = 0.25  # a person's box grows by this share of its size on each side
PHASE_STEP = 0.618034  # golden-ratio steps spread the cameras' busy periods evenly
FIRST_PHASE = 0.25
VARIANT_PHASES = (0.0, 0.5, 0.25, 0.75)  # a clip used again starts at another phase
BUSY_LABELS = ("fall", "adl")
# Baseline profile like the ASSIST-IoT clips' cameras, so decoding costs what theirs does;
# `tune: grain` keeps some of the faint noise (without it x264 skips every still block and
# the room is perfectly still, which no camera is). About 2 Mbit/s, like a 720p camera.
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "20", "tune": "grain", "profile": "baseline"}


class WorkloadError(RuntimeError):
    """The workload cannot be built (no clips, unreadable manifest); one line for people."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    size_wh: tuple[int, int]
    fps: Fraction
    frame_count: int


def video_info(path: Path) -> VideoInfo:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        count = stream.frames or round(float((container.duration or 0) / 1e6) * rate)
        return VideoInfo((stream.width, stream.height), Fraction(rate), count)


def busy_rows(manifest: Path, size_wh: tuple[int, int]) -> list[ManifestRow]:
    """Fall and ADL clips of the given size, falls first (so a few cameras see falls)."""
    try:
        rows = [row for row in read_manifest(manifest) if row.label in BUSY_LABELS]
    except ValueError as error:  # ManifestError
        raise WorkloadError(str(error)) from None
    sized = [row for row in rows if row.path.is_file() and video_info(row.path).size_wh == size_wh]
    if not sized:
        width, height = size_wh
        raise WorkloadError(f"{manifest}: no fall or adl clip of {width}x{height}")
    return sorted(sized, key=lambda row: row.label != "fall")


@dataclass(frozen=True, slots=True)
class CameraClip:
    """What one bench camera plays: a file, and what it is for the report."""

    path: Path
    label: str  # the manifest clip's name; for a typical clip also where it starts


def busy_clips(rows: Sequence[ManifestRow], count: int) -> list[CameraClip]:
    """One clip per camera, round robin."""
    picked = [rows[index % len(rows)].path for index in range(count)]
    return [CameraClip(path, path.name) for path in picked]


# The empty room ------------------------------------------------------------------------


def sample_frames(path: Path, count: int = PLATE_FRAMES) -> list[np.ndarray]:
    """About `count` BGR frames spread evenly along a video."""
    step = max(1, video_info(path).frame_count // count)
    with av.open(str(path)) as container:
        return [
            frame.to_ndarray(format="bgr24")
            for index, frame in enumerate(container.decode(video=0))
            if index % step == 0
        ]


def person_mask(image_bgr: np.ndarray, pose: PoseEstimator) -> np.ndarray:
    """True where MoveNet finds a person (boxes grown by a margin)."""
    height, width = image_bgr.shape[:2]
    mask = np.zeros((height, width), bool)
    batch = pose.infer(image_bgr)
    for (x1, y1, x2, y2), score in zip(batch.boxes_xyxy, batch.scores, strict=True):
        if score < MASK_SCORE:
            continue
        grow_x, grow_y = MASK_MARGIN * (x2 - x1), MASK_MARGIN * (y2 - y1)
        left, right = int(max(0, x1 - grow_x) * width), int(min(1, x2 + grow_x) * width) + 1
        top, bottom = int(max(0, y1 - grow_y) * height), int(min(1, y2 + grow_y) * height) + 1
        mask[top:bottom, left:right] = True
    return mask


def masked_median(frames: Sequence[np.ndarray], masks: Sequence[np.ndarray]) -> np.ndarray:
    """Per-pixel median over the frames where the pixel is not masked: the background
    behind people who move. Pixels seen in too few frames (someone stayed there) are
    filled in from their surroundings."""
    if not frames:
        raise ValueError("masked_median needs at least one frame")
    stack = np.stack(frames).astype(np.uint16)  # (N, H, W, 3)
    hidden = np.stack(masks)[..., None]  # (N, H, W, 1)
    stack[np.broadcast_to(hidden, stack.shape)] = 1024  # sorts after every pixel value
    stack.sort(axis=0)
    visible = (~hidden).sum(axis=0, keepdims=True)  # (1, H, W, 1)
    middle = np.broadcast_to(np.maximum(visible - 1, 0) // 2, (1, *stack.shape[1:]))
    plate = np.take_along_axis(stack, middle, axis=0)[0]
    holes = visible[0, :, :, 0] < max(1, MIN_VISIBLE * len(frames))
    plate[holes] = 0
    plate = plate.astype(np.uint8)
    if not holes.any():
        return plate
    return cv2.inpaint(plate, holes.astype(np.uint8), 5, cv2.INPAINT_TELEA)


def empty_room(path: Path, pose: PoseEstimator) -> tuple[np.ndarray, float]:
    """The clip's empty-room plate and MoveNet's best person score on it."""
    frames = sample_frames(path)
    plate = masked_median(frames, [person_mask(frame, pose) for frame in frames])
    scores = pose.infer(plate).scores
    return plate, float(scores.max()) if len(scores) else 0.0


# The typical clip ----------------------------------------------------------------------


def _noise_bank(plate_bgr: np.ndarray, seed: int) -> list[av.VideoFrame]:
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(NOISE_FRAMES):
        noise = rng.integers(-NOISE_LEVEL, NOISE_LEVEL + 1, (*plate_bgr.shape[:2], 1), np.int16)
        noisy = np.clip(plate_bgr.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        frames.append(av.VideoFrame.from_ndarray(noisy, format="bgr24").reformat(format="yuv420p"))
    return frames


def _clip_frames(path: Path) -> Iterator[av.VideoFrame]:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.reformat(format="yuv420p")


def write_typical_clip(
    source: Path, plate_bgr: np.ndarray, out: Path, still_before: int, still_after: int
) -> int:
    """Still room for `still_before` frames, the clip, still room for `still_after` frames;
    H.264 at the source's rate and size. Returns the frame count. Atomic."""
    info = video_info(source)
    partial = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    bank = _noise_bank(plate_bgr, seed=len(out.name))
    stills = (bank[i % len(bank)] for i in range(still_before))
    after = (bank[(still_before + i) % len(bank)] for i in range(still_after))
    count = 0
    with av.open(str(partial), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=info.fps, options=ENCODER_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = *info.size_wh, "yuv420p"
        for frame in itertools.chain(stills, _clip_frames(source), after):
            frame.pts, frame.time_base = count, Fraction(1) / info.fps
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    partial.replace(out)
    return count


def write_substream(source: Path, out: Path, size_wh: tuple[int, int], fps: float) -> int:
    """`source` as a camera's sub-stream would send it: scaled to `size_wh`, at most `fps`
    frames a second, H.264 like the other generated clips. Returns the frame count. Atomic."""
    partial = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    rate = Fraction(fps).limit_denominator(1000)
    sampler, count = RateSampler(fps), 0
    with av.open(str(source)) as reader, av.open(str(partial), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate, options=ENCODER_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = *size_wh, "yuv420p"
        for frame in reader.decode(video=0):
            if frame.time is None or not sampler.keep(frame.time):
                continue
            small = frame.reformat(width=size_wh[0], height=size_wh[1], format="yuv420p")
            small.pts, small.time_base = count, 1 / rate
            container.mux(stream.encode(small))
            count += 1
        container.mux(stream.encode(None))
    partial.replace(out)
    return count


def substream_clips(
    clips: Sequence[CameraClip], size_wh: tuple[int, int], fps: float, cache_dir: Path
) -> list[CameraClip]:
    """Each camera's clip as its sub-stream (generated once, cached under `cache_dir`)."""
    tag = f"{size_wh[0]}x{size_wh[1]}@{fps:g}"
    result = []
    for clip in clips:
        out = cache_dir / "substream" / f"{cache_key(clip.path)}-{tag}.mp4"
        if not out.is_file():
            log.info("bench: generating the %s sub-stream of %s (once; cached)", tag, clip.path)
            write_substream(clip.path, out, size_wh, fps)
        result.append(CameraClip(out, f"{clip.label} {tag}"))
    return result


def still_frames(frame_count: int, phase: float) -> tuple[int, int]:
    """Frames of still room before and after the clip; together 4x the clip."""
    total = STILL_FACTOR * frame_count
    before = round(total * (phase % 1.0))
    return before, total - before


def phase_of(row_index: int, variant: int) -> float:
    """Where along its still room a camera's clip starts (0: at once; 0.25: after one clip
    length): the first clips, the falls, show inside a one-minute run after the warm-up."""
    offset = VARIANT_PHASES[variant % len(VARIANT_PHASES)]
    return (FIRST_PHASE + PHASE_STEP * row_index + offset) % 1.0


# The cache -----------------------------------------------------------------------------


def cache_key(path: Path) -> str:
    """A generated clip's name: its source's content and the generator's version."""
    text = f"{clip_digest(path)}|{GENERATOR_VERSION}"
    return f"{path.stem}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


class TypicalClips:
    """Generates (once) and caches typical clips under `cache_dir`; never touches sources."""

    def __init__(self, cache_dir: Path, pose: Callable[[], PoseEstimator]) -> None:
        self.cache_dir = cache_dir
        self._pose_factory = pose
        self._pose: PoseEstimator | None = None

    def plate(self, source: Path) -> np.ndarray | None:
        """The clip's empty room, or None when MoveNet still finds a person on it."""
        key = cache_key(source)
        image_path = self.cache_dir / "plates" / f"{key}.png"
        verdict_path = image_path.with_suffix(".json")
        if not verdict_path.is_file():
            plate, score = empty_room(source, self._model())
            image_path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(image_path), plate)
            verdict_path.write_text(json.dumps({"max_person_score": score}))
        score = json.loads(verdict_path.read_text())["max_person_score"]
        if score >= EMPTY_SCORE:
            log.info("typical: %s left out: its empty room shows a person (%.2f)", source, score)
            return None
        return cv2.imread(str(image_path))

    def clip(self, source: Path, phase: float) -> Path | None:
        """The typical clip of `source` starting at `phase`, or None without an empty room."""
        plate = self.plate(source)
        if plate is None:
            return None
        before, after = still_frames(video_info(source).frame_count, phase)
        out = self.cache_dir / "typical" / f"{cache_key(source)}-{before}-{after}.mp4"
        if not out.is_file():
            log.info("typical: generating %s (once; cached)", out.name)
            write_typical_clip(source, plate, out, before, after)
        return out

    def _model(self) -> PoseEstimator:
        if self._pose is None:
            self._pose = self._pose_factory()
        return self._pose


def typical_clips(rows: Sequence[ManifestRow], count: int, clips: TypicalClips) -> list[CameraClip]:
    """One typical clip per camera: clips in row order, again at other phases when reused."""
    paths: list[CameraClip] = []
    uses: Counter[int] = Counter()
    unusable: set[int] = set()
    while len(paths) < count:
        if len(unusable) == len(rows):
            raise WorkloadError("typical: no clip gives an empty room (every plate shows a person)")
        for index, row in enumerate(rows):
            if index in unusable or len(paths) == count:
                continue
            phase = phase_of(index, uses[index])
            path = clips.clip(row.path, phase)
            if path is None:
                unusable.add(index)
                continue
            paths.append(CameraClip(path, f"{row.path.name} @{phase:.2f}"))
            uses[index] += 1
    return paths


def workload_clips(
    workload: str,
    manifest: Path,
    size_wh: tuple[int, int],
    count: int,
    clips: TypicalClips,
) -> list[CameraClip]:
    rows = busy_rows(manifest, size_wh)
    return busy_clips(rows, count) if workload == BUSY else typical_clips(rows, count, clips)
