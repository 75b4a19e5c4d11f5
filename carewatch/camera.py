"""One running camera: reader → latest frame → analysis → events, with clips from the ring."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from carewatch.config import CameraConfig, Settings
from streams.clips import ClipRecorder, ClipResult
from streams.frame import Frame
from streams.health import CameraHealth, CameraState
from streams.reader import CameraReader
from streams.ringbuffer import RingBuffer
from supervision.sink import EventSink
from vision.events import Category, EventType, SafetyEvent, Severity
from vision.fire import FireBoxes
from vision.overlay import draw_fire, draw_people, draw_zones
from vision.pipeline import Analyzer, FrameAnalysis

log = logging.getLogger(__name__)


def health_event(health: CameraHealth, open_key: str | None) -> SafetyEvent | None:
    """camera_offline opens when frames stop (stalled or offline), ends when they are back."""
    now = time.time()
    if health.state in (CameraState.STALLED, CameraState.OFFLINE) and open_key is None:
        return SafetyEvent(
            EventType.CAMERA_OFFLINE, Severity.WARNING, health.camera_id, 0.0, None, now, 1.0
        )
    if health.state is CameraState.ONLINE and open_key is not None:
        return SafetyEvent(
            EventType.CAMERA_OFFLINE,
            Severity.WARNING,
            health.camera_id,
            0.0,
            0.0,
            now,
            1.0,
            key=open_key,
        )
    return None


def needs_clip(event: SafetyEvent) -> bool:
    """A fall, or the start of any other event (its escalations and end reuse that clip).

    An event that starts and ends at once (a line crossed) is a start too. Camera health
    events get none: their frames show nothing or the wrong view.
    """
    if event.type is EventType.FALL:
        return True
    if event.category is Category.CAMERA_HEALTH or event.level != 1:
        return False
    return event.is_open or event.end_s == event.start_s


class CameraRunner:
    """Owns one camera's threads; the analysis thread never holds up the reader."""

    def __init__(
        self,
        camera: CameraConfig,
        settings: Settings,
        sink: EventSink,
        analyzer: Analyzer,
        on_health: Callable[[CameraHealth], None],
    ) -> None:
        self.camera = camera
        self.sink = sink
        self._publish_health = on_health
        self.media_dir = settings.storage.media_dir
        clips = settings.clips
        self.ring = RingBuffer(
            clips.pre_roll_s + clips.post_roll_s + 5.0,
            clips.fps,
            clips.max_width_px,
            clips.jpeg_quality,
        )
        self.recorder = ClipRecorder(self.ring, clips, self.media_dir, self._draw_zones)
        self.reader = CameraReader(
            camera.id, camera.source, settings.reconnect, ring=self.ring, on_health=self._on_health
        )
        self.analyzer = analyzer
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._analyse, name=f"analyse-{camera.id}", daemon=True
        )
        self._latest: np.ndarray | None = None
        self._fire: FireBoxes | None = None  # the last fire check's boxes, drawn until the next
        self._offline_key: str | None = None
        self._last_frame: Frame | None = None
        self.frames_analysed = 0

    def start(self) -> None:
        self.recorder.start()
        self.reader.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.reader.stop()
        self._thread.join(5.0)
        self.recorder.stop()

    def retire(self, successor: CameraRunner) -> None:
        """Stop for a new configuration: end the events this analysis has open.

        An open camera_offline event passes to `successor`, which ends it once frames come.
        """
        self.stop()
        successor._offline_key = self._offline_key
        if self._thread.is_alive() or self._last_frame is None:
            return  # still inside a frame: its analysis state cannot be read safely
        for event in self.analyzer.finish(self._last_frame):
            self.sink.emit(event)

    def latest_frame(self) -> np.ndarray | None:
        return self._latest

    def latest_picture(self) -> np.ndarray | None:
        """The newest frame as read, without overlays (what zones are drawn on)."""
        frame = self.reader.slot.peek()
        return None if frame is None else frame.image_bgr

    def health(self) -> CameraHealth:
        return self.reader.health()

    def _on_health(self, health: CameraHealth) -> None:
        self._publish_health(health)
        event = health_event(health, self._offline_key)
        if event is not None:
            self._offline_key = event.key if event.is_open else None
            self.sink.emit(event)

    def _analyse(self) -> None:
        period_s = 1.0 / self.camera.analysis_fps
        while not self._stop.is_set():
            started = time.monotonic()
            frame = self.reader.slot.get(timeout_s=0.5)
            if frame is None:
                continue
            try:
                self._process(frame)
            except Exception:  # a bad frame must not end the camera's analysis
                log.exception("camera %s: analysis failed on frame %d", self.camera.id, frame.index)
            self._stop.wait(max(0.0, period_s - (time.monotonic() - started)))

    def _process(self, frame: Frame) -> None:
        result = self.analyzer.process(frame)
        self._last_frame = frame
        self.frames_analysed += 1
        annotated = self._annotate(result)
        self._latest = annotated
        for event in result.events:
            self.sink.emit(event)
            if needs_clip(event):
                self._record_clip(event, frame, annotated)

    def _draw_zones(self, image_bgr: np.ndarray) -> np.ndarray:
        vision = self.analyzer.config
        if not vision.zones and not vision.lines:
            return image_bgr
        return draw_zones(image_bgr, vision.zones, vision.lines)

    def _annotate(self, result: FrameAnalysis) -> np.ndarray:
        """The frame with zones, fire boxes and people drawn (live view and snapshots)."""
        self._fire = result.fire if result.fire is not None else self._fire
        canvas = self._draw_zones(result.frame.image_bgr)
        if self._fire is not None and len(self._fire.scores):
            canvas = draw_fire(canvas, self._fire)
        return draw_people(canvas, result.people, result.phases)

    def _record_clip(self, event: SafetyEvent, frame: Frame, annotated: np.ndarray) -> None:
        snapshot = self.recorder.request(
            event.key, self.camera.id, frame.pts_s, annotated, self._on_clip
        )
        self.sink.attach_media(event.key, snapshot_path=self._relative(snapshot))

    def _on_clip(self, result: ClipResult) -> None:
        if result.clip_path is None:
            log.warning(
                "camera %s: no frames buffered for event %s", self.camera.id, result.event_key
            )
            return
        self.sink.attach_media(
            result.event_key,
            clip_path=self._relative(result.clip_path),
            clip_start_s=result.clip_start_pts_s,
        )

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.media_dir).as_posix()
