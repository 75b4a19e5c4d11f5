"""Configuration owned by streams/: sources, reconnect policy and clip recording."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _DecodedSource(_Section):
    """Options of the sources FFmpeg decodes (files and network streams)."""

    max_fps: float | None = Field(
        None,
        gt=0,
        le=120,
        description="Hand on at most this many frames a second: every frame is decoded (H.264 "
        "needs it) but only these are converted to pictures. Default: what the camera's "
        "analysis and clips need.",
    )
    decode_threads: int = Field(
        1,
        ge=0,
        le=16,
        description="Decoder threads per camera; 1 suits many cameras on one machine, 0 lets "
        "FFmpeg choose (a single large stream).",
    )
    fast_decode: bool = Field(
        True,
        description="Skip the decoder's deblocking filter: H.264 decodes in about half the time; "
        "pictures are slightly blockier at low bit rates (analysis does not notice).",
    )


class FileSourceConfig(_DecodedSource):
    type: Literal["file"] = "file"
    path: str = Field(description="Path of a video file readable by FFmpeg (PyAV).")
    loop: bool = Field(False, description="Start again at the end instead of stopping.")
    realtime: bool = Field(True, description="Pace frames at the file's native rate.")


class UrlSourceConfig(_DecodedSource):
    type: Literal["url"] = "url"
    url: str = Field(
        description="rtsp://, rtsps://, http:// or https:// stream URL; for analysis prefer "
        "the camera's sub-stream (e.g. 640x360), which costs a fraction to decode.",
        pattern=r"^(rtsps?|https?|rtmp)://",
    )
    rtsp_transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport.")
    open_timeout_s: float = Field(5.0, gt=0, le=120, description="Connect/read timeout.")


class UsbSourceConfig(_Section):
    type: Literal["usb"] = "usb"
    device: int | str = Field(0, description="V4L2 device index or path such as /dev/video0.")
    width: int | None = Field(None, gt=0, le=7680, description="Requested capture width.")
    height: int | None = Field(None, gt=0, le=4320, description="Requested capture height.")


class DemoSourceConfig(_Section):
    type: Literal["demo"] = "demo"
    width: int = Field(640, ge=160, le=1920, description="Rendered frame width in pixels.")
    height: int = Field(360, ge=120, le=1080, description="Rendered frame height in pixels.")
    fps: float = Field(15.0, gt=0, le=60, description="Frames per second rendered.")
    scenario_s: float = Field(
        40.0, ge=10, le=600, description="Length of one walk-fall-lie-recover cycle."
    )
    realtime: bool = Field(
        True, description="Pace frames at `fps` in real time (off: render as fast as possible)."
    )


SourceConfig = Annotated[
    FileSourceConfig | UrlSourceConfig | UsbSourceConfig | DemoSourceConfig,
    Field(discriminator="type"),
]


class ReconnectConfig(_Section):
    initial_backoff_s: float = Field(1.0, gt=0, le=60, description="First retry delay.")
    max_backoff_s: float = Field(30.0, gt=0, le=600, description="Longest retry delay.")
    stall_timeout_s: float = Field(
        5.0, gt=0, le=300, description="No frame for this long marks the camera stalled."
    )
    offline_after_s: float = Field(
        15.0, gt=0, le=3600, description="No frame for this long marks the camera offline."
    )


class ClipConfig(_Section):
    pre_roll_s: float = Field(5.0, ge=0, le=60, description="Seconds kept before an event.")
    post_roll_s: float = Field(5.0, ge=0, le=120, description="Seconds recorded after it.")
    fps: float = Field(10.0, gt=0, le=30, description="Frame rate of event clips.")
    still_fps: float = Field(
        1.0,
        gt=0,
        le=30,
        description="USB and demo cameras (whose buffer holds JPEG frames): frame rate buffered "
        "while nothing in the picture moves (clips keep real time: a still frame just lasts "
        "longer). File and stream cameras buffer the compressed stream as sent.",
    )
    max_width_px: int = Field(
        960, ge=160, le=3840, description="Clip frames are scaled down to this width."
    )
    stream_buffer_mb: int = Field(
        64,
        ge=1,
        le=4096,
        description="Most memory (MiB) a file or stream camera's buffer of its compressed "
        "stream may hold; past it the oldest seconds go first. A camera whose keyframes are "
        "too far apart for this keeps none for a while (warned): its clips start later.",
    )
    jpeg_quality: int = Field(85, ge=30, le=100, description="Snapshot and buffer JPEG quality.")
