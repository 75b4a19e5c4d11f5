"""The dashboard's CameraControl over the running cameras: validate, apply, test, replay."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import cv2
import numpy as np
from pydantic import TypeAdapter, ValidationError

from carewatch.config import CameraConfig, ConfigError, Settings, field_path, parse_camera
from carewatch.run.camera_versions import check_camera
from carewatch.run.replay import Replayer
from dashboard.camera_control import ReplayClip, ReplayResult
from streams.config import SourceConfig, UrlSourceConfig
from streams.source_policy import allowed_source
from streams.sources import FrameSource, SourceError, build_source
from vision.assembly import SharedModels

# A source test waits this long for its first picture (a URL: its own timeout, if longer).
TEST_TIMEOUT_S = 10.0
# Pictures for the operator pages are scaled down to this width at most.
PICTURE_MAX_WIDTH_PX = 1280
_SOURCE = TypeAdapter[SourceConfig](SourceConfig)


def jpeg(image_bgr: np.ndarray, max_width_px: int = PICTURE_MAX_WIDTH_PX) -> bytes:
    """The picture as JPEG, no wider than `max_width_px` (normalised zones do not mind)."""
    height, width = image_bgr.shape[:2]
    if width > max_width_px:
        size_wh = (max_width_px, max(1, round(height * max_width_px / width)))
        image_bgr = cv2.resize(image_bgr, size_wh, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("picture: cannot encode as JPEG")
    return bytes(encoded.tobytes())


def parse_source(data: Mapping[str, Any]) -> SourceConfig:
    """A source section on its own; ValueError naming the field under `source`."""
    try:
        return _SOURCE.validate_python(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        raise ValueError(f"{field_path(('source', *first['loc']))}: {message}") from None


def grab_picture(source: SourceConfig, timeout_s: float) -> np.ndarray:
    """One picture from a source, opened with the streams code on a thread of its own.

    ValueError with the reason when it cannot be opened, ends at once, or sends nothing
    within `timeout_s` (the thread then finishes on its own).
    """
    answer: queue.Queue[np.ndarray | Exception] = queue.Queue(maxsize=1)
    worker = threading.Thread(
        target=_read_one, args=(build_source("source-test", source), answer), daemon=True
    )
    worker.start()
    try:
        found = answer.get(timeout=timeout_s)
    except queue.Empty:
        raise ValueError(f"source: no picture within {timeout_s:g} s") from None
    if isinstance(found, Exception):
        raise ValueError(f"source: {found}")
    return found


def _read_one(source: FrameSource, answer: queue.Queue[np.ndarray | Exception]) -> None:
    try:
        source.open()
        frame = source.read()
        answer.put(frame.image_bgr if frame else SourceError("it ended before its first picture"))
    except Exception as error:  # any failure is the answer the operator needs
        answer.put(error)
    finally:
        with contextlib.suppress(Exception):  # closing a source that failed to open may fail
            source.close()


def test_timeout_s(source: SourceConfig) -> float:
    if isinstance(source, UrlSourceConfig):
        return max(TEST_TIMEOUT_S, source.open_timeout_s + 2.0)
    return TEST_TIMEOUT_S


class RunningCameras(Protocol):
    """What camera control needs of the service: its settings and its cameras, live."""

    settings: Settings
    shared: SharedModels

    def apply_camera(self, camera: CameraConfig) -> None: ...

    def camera_config(self, camera_id: str) -> CameraConfig | None: ...

    def latest_picture(self, camera_id: str) -> np.ndarray | None: ...


class ServiceCameraControl:
    """Camera configurations are CameraConfig sections of the settings; runners restart alone."""

    def __init__(self, service: RunningCameras) -> None:
        self.service = service
        self.replayer = Replayer(service.settings.models, service.shared)

    def schema(self) -> dict[str, Any]:
        return CameraConfig.model_json_schema()

    def validate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return self._camera(config).model_dump(mode="json")

    def apply(self, camera_id: str, config: Mapping[str, Any]) -> None:
        camera = self._camera(config)
        if camera.id != camera_id:
            raise ValueError(f"id: a camera's id cannot change (this is {camera_id!r})")
        self.service.apply_camera(camera)

    def test_source(self, source: Mapping[str, Any]) -> bytes:
        """One picture from a source that may be read (files under the video folders,
        camera URLs, capture devices); a file is opened at its resolved path, as checked."""
        parsed = allowed_source(parse_source(source), self.service.settings.video_folders())
        return jpeg(grab_picture(parsed, test_timeout_s(parsed)))

    def snapshot(self, camera_id: str) -> bytes | None:
        picture = self.service.latest_picture(camera_id)
        return None if picture is None else jpeg(picture)

    def replay(
        self, camera_id: str, config: Mapping[str, Any], clips: Sequence[ReplayClip]
    ) -> ReplayResult:
        current = self.service.camera_config(camera_id)
        if current is None:
            raise ValueError(f"camera {camera_id!r} is not running")
        settings = self.service.settings
        proposed = settings.vision_for(self._camera(config))
        return self.replayer.run(camera_id, settings.vision_for(current), proposed, clips)

    def _camera(self, config: Mapping[str, Any]) -> CameraConfig:
        try:
            return check_camera(parse_camera(dict(config)), self.service.settings)
        except ConfigError as error:
            raise ValueError(str(error)) from None
