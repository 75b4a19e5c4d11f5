"""One running camera: reader → latest frame → analysis → events, with clips from the ring."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from carewatch.config import CameraConfig, Settings
from carewatch.run.latency import EventLatencyMeter
from streams.clips import ClipEvent, ClipRecorder, ClipResult
from streams.config import ClipConfig, FileSourceConfig, SourceConfig, UrlSourceConfig
from streams.frame import Frame
from streams.health import CameraHealth, CameraState
from streams.media_writes import MediaWriteHealth
from streams.packets import PacketRing
from streams.reader import CameraReader
from streams.ringbuffer import RingBuffer
from supervision.writer.sink import EventSink
from vision.events import Category, EventType, SafetyEvent, Severity
from vision.fire import FireBoxes
from vision.motion import MotionGate
from vision.overlay import draw_fire, draw_people, draw_zones
from vision.pipeline import Analyzer, FrameAnalysis
from vision.scheduler import AnalysisScheduler

log = logging.getLogger(__name__)
CLIP_WRITE_MARGIN_S = 5.0  # buffered beyond the longest clip: writing may lag the post-roll


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


@dataclass(frozen=True, slots=True)
class ClipBufferLoad:
    """What a camera's clip buffer holds now, and how often a keyframe group outgrew it."""

    camera_id: str
    nbytes: int
    overflows: int  # always 0 for a JPEG buffer, which keeps whole frames


def clip_buffer(
    source: SourceConfig, clips: ClipConfig, camera_id: str = "camera"
) -> RingBuffer | PacketRing:
    """What keeps a camera's last seconds for clips: the compressed stream where FFmpeg
    reads it (no cost until a clip is wanted), else decoded frames as JPEG.

    It holds the longest clip (`max_lead_s` before a confirmation, `post_roll_s` after) and
    `CLIP_WRITE_MARGIN_S` more, for a clip whose writing waits behind another's.
    """
    duration_s = clips.max_lead_s + clips.post_roll_s + CLIP_WRITE_MARGIN_S
    max_bytes = clips.stream_buffer_mb << 20
    if isinstance(source, FileSourceConfig | UrlSourceConfig):
        return PacketRing(duration_s, clips.fps, clips.max_width_px, max_bytes, camera_id)
    return RingBuffer(
        duration_s,
        clips.fps,
        clips.max_width_px,
        clips.jpeg_quality,
        clips.still_fps,
        max_bytes,
    )


def frames_needed(source: SourceConfig, fps: float) -> SourceConfig:
    """A decoded source that hands on only the `fps` the camera uses, unless set already.

    Converting a decoded frame to a picture costs about as much as decoding it; a 30 fps
    camera analysed at 5 fps needs a sixth of them.
    """
    if isinstance(source, FileSourceConfig | UrlSourceConfig) and source.max_fps is None:
        return source.model_copy(update={"max_fps": fps})
    return source


class CameraRunner:
    """One camera: its reader and clip threads, its analysis on the shared scheduler.

    The analysis never holds up the reader: the scheduler takes the newest frame when the
    camera is due.
    """

    def __init__(
        self,
        camera: CameraConfig,
        settings: Settings,
        sink: EventSink,
        analyzer: Analyzer,
        on_health: Callable[[CameraHealth], None],
        scheduler: AnalysisScheduler,
        latency: EventLatencyMeter | None = None,
        media_health: MediaWriteHealth | None = None,
    ) -> None:
        self.camera = camera
        self.sink = sink
        self.scheduler = scheduler
        self.latency = latency
        self._publish_health = on_health
        self.media_dir = settings.storage.media_dir
        source = settings.source_for(camera)
        self.ring = clip_buffer(source, settings.clips, camera.id)
        timezone = ZoneInfo(settings.timezone_of(camera))
        self.recorder = ClipRecorder(
            self.ring, settings.clips, self.media_dir, self._draw_zones, timezone, media_health
        )
        # A JPEG buffer (USB, demo) is fed every frame; those sources have no rate to set.
        source = frames_needed(source, camera.analysis_fps)
        self.reader = CameraReader(
            camera.id, source, settings.reconnect, ring=self.ring, on_health=self._on_health
        )
        self.analyzer = analyzer
        self._analysing = False
        # The last analysed frame's result and the fire boxes to draw on it, swapped as one.
        # Its overlay is drawn when first asked for (most frames nobody watches live), once.
        self._latest: tuple[FrameAnalysis, FireBoxes | None] | None = None
        self._drawn: tuple[FrameAnalysis, np.ndarray] | None = None
        self._fire: FireBoxes | None = None  # the last fire check's boxes, drawn until the next
        self._offline_key: str | None = None
        self._last_frame: Frame | None = None
        self.frames_analysed = 0

    def buffer_load(self) -> ClipBufferLoad:
        overflows = self.ring.overflows if isinstance(self.ring, PacketRing) else 0
        return ClipBufferLoad(self.camera.id, self.ring.nbytes, overflows)

    def start(self) -> None:
        self.recorder.start()
        self.reader.start()
        gate = MotionGate(self.analyzer.config.motion)
        self.scheduler.add(self.camera.id, self.reader.slot, self.analyzer, self._process, gate)
        self._analysing = True

    def stop(self) -> None:
        """Stop reading and analysing; afterwards no analysis of this camera is running
        unless one is stuck (then `retire` leaves its state alone)."""
        if self._analysing:
            self._analysing = not self.scheduler.remove(self.camera.id)
        self.reader.stop()
        self.recorder.stop()

    def retire(self, successor: CameraRunner) -> None:
        """Stop for a new configuration: end the events this analysis has open.

        An open camera_offline event passes to `successor`, which ends it once frames come.
        """
        self.stop()
        successor._offline_key = self._offline_key
        if self._analysing or self._last_frame is None:
            return  # still inside a frame: its analysis state cannot be read safely
        for event in self.analyzer.finish(self._last_frame):
            self.sink.emit(event)

    def latest_frame(self, overlay: bool = True) -> np.ndarray | None:
        """The last analysed picture, with its overlay drawn or as the camera gave it."""
        latest = self._latest
        if latest is None:
            return None
        return self._overlay(latest) if overlay else latest[0].frame.image_bgr

    def _overlay(self, latest: tuple[FrameAnalysis, FireBoxes | None]) -> np.ndarray:
        """The overlay picture of a result, drawn on first use only."""
        result, fire = latest
        drawn = self._drawn
        if drawn is None or drawn[0] is not result:
            drawn = self._drawn = (result, self._annotate(result, fire))
        return drawn[1]

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

    def _process(self, result: FrameAnalysis) -> None:
        """What the scheduler calls with each analysed frame: live picture, events, clips."""
        frame = result.frame
        self._last_frame = frame
        self.frames_analysed += 1
        self._fire = result.fire if result.fire is not None else self._fire
        latest = self._latest = (result, self._fire)
        for event in result.events:
            if self.latency is not None:
                self.latency.emitted(event, frame.captured_at)
            self.sink.emit(event)
        # Media after every event is out: a snapshot that fails loses only itself.
        for event in result.events:
            if needs_clip(event):
                self._record_clip(event, frame, self._overlay(latest))

    def _draw_zones(self, image_bgr: np.ndarray) -> np.ndarray:
        vision = self.analyzer.config
        if not vision.zones and not vision.lines:
            return image_bgr
        return draw_zones(image_bgr, vision.zones, vision.lines)

    def _annotate(self, result: FrameAnalysis, fire: FireBoxes | None) -> np.ndarray:
        """The frame with zones, fire boxes and people drawn (live view and snapshots)."""
        canvas = self._draw_zones(result.frame.image_bgr)
        if fire is not None and len(fire.scores):
            canvas = draw_fire(canvas, fire)
        return draw_people(canvas, result.people, result.phases)

    def _record_clip(self, event: SafetyEvent, frame: Frame, annotated: np.ndarray) -> None:
        """A snapshot of the confirming frame now; a clip from before the event's start to
        after this confirmation once it has arrived (ClipEvent.span)."""
        wanted = ClipEvent(event.key, self.camera.id, event.start_s, frame.pts_s, frame.captured_at)
        snapshot = self.recorder.request(wanted, annotated, self._on_clip)
        if snapshot is not None:  # else the recorder reported why (once per cause)
            self.sink.attach_media(event.key, snapshot_path=self._relative(snapshot))

    def _on_clip(self, result: ClipResult) -> None:
        if result.clip_path is None:
            if result.error is None:  # a clip that failed was reported by the recorder
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
