"""Configuration owned by streams/: sources, reconnect policy and clip recording."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_timezone(name: str | None) -> str | None:
    """An IANA time zone name that this machine knows, or None."""
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r}") from None
    return name


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


CAMERA_SCHEMES = ("rtsp", "rtsps", "http", "https", "rtmp")


def check_camera_url(url: str) -> str:
    """A URL with a camera's scheme (not file:, data:, ftp: ...: FFmpeg opens those too) and
    no spaces or control characters; the reason never repeats the URL (its password)."""
    scheme, separator, rest = url.partition("://")
    if not separator or scheme not in CAMERA_SCHEMES:
        named = f"scheme {scheme!r}" if separator else "this"
        expected = ", ".join(f"{name}://" for name in CAMERA_SCHEMES)
        raise ValueError(f"{named} is not a camera URL (expected {expected})")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValueError("a camera URL has no spaces or control characters")
    if not rest.split("/", 1)[0].rpartition("@")[2]:
        raise ValueError("the URL names no host")
    return url


class UrlSourceConfig(_DecodedSource):
    type: Literal["url"] = "url"
    url: str = Field(
        description="rtsp://, rtsps://, http:// or https:// stream URL; for analysis prefer "
        "the camera's sub-stream (e.g. 640x360), which costs a fraction to decode.",
        max_length=2048,
        json_schema_extra={"pattern": r"^(rtsps?|https?|rtmp)://"},  # for the operator's form
    )
    rtsp_transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport.")
    open_timeout_s: float = Field(5.0, gt=0, le=120, description="Connect/read timeout.")

    _camera_url = field_validator("url")(check_camera_url)


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
    timezone: str | None = Field(
        None,
        description="IANA time zone of the clock burned into the picture, which is labelled "
        "with its UTC offset; default: the camera's facility's.",
    )

    _known_zone = field_validator("timezone")(check_timezone)


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
    """What an event's clip covers and how it is kept.

    A clip runs from `pre_roll_s` before the event's start (a fall: where its descent began)
    to `post_roll_s` after its confirmation (the frame at which the event was raised), at
    the camera's own frame rate. An event confirmed long after it started (a long lie,
    raised `long_lie_s` after the person lay down; an exit blocked for its hold time) reaches
    back at most `max_lead_s` before its confirmation: its clip shows the lying person or
    the blocked exit, and a long lie's onset is in its fall's clip.
    """

    pre_roll_s: float = Field(
        5.0,
        ge=0,
        le=60,
        description="Seconds of video before the event's start (a fall: where its descent "
        "began), as long as that is at most `max_lead_s` before its confirmation.",
    )
    post_roll_s: float = Field(
        5.0,
        ge=0,
        le=120,
        description="Seconds of video after the event's confirmation (the frame at which it "
        "was raised); the clip is written once they have arrived.",
    )
    max_lead_s: float = Field(
        20.0,
        ge=0,
        le=600,
        description="Most seconds a clip starts before the event's confirmation. An event "
        "confirmed long after it started (a long lie: `long_lie_s` after the person lay down; "
        "a blocked exit: after its hold time) gets only these seconds before the "
        "confirmation (the person lying, the exit blocked), not its start; a long lie's onset "
        "is in its fall's clip. Cameras buffer `max_lead_s + post_roll_s` and a few seconds "
        "more (within `stream_buffer_mb`). At least `pre_roll_s`.",
    )
    fps: float = Field(
        30.0,
        gt=0,
        le=60,
        description="Most frames a second in a clip. A camera at or below this keeps every "
        "frame it sends; a faster one keeps every 2nd (3rd ...) frame, whichever stride "
        "brings it under this, so that the cadence stays even.",
    )
    still_fps: float = Field(
        1.0,
        gt=0,
        le=30,
        description="USB and demo cameras (whose buffer holds JPEG frames): while nothing in "
        "the picture moves, a new picture is encoded only this often and the frames between "
        "repeat the last one (a clip keeps the camera's frame rate; encoding is most of the "
        "buffer's cost). File and stream cameras buffer the compressed stream as sent.",
    )
    max_width_px: int = Field(
        960, ge=160, le=3840, description="Clip frames are scaled down to this width."
    )
    stream_buffer_mb: int = Field(
        64,
        ge=1,
        le=4096,
        description="Most memory (MiB) a camera's clip buffer may hold (the compressed stream "
        "of a file or stream camera, the JPEG frames of a USB or demo camera); past it the "
        "oldest seconds go first, so clips start later. A stream camera whose keyframes are "
        "too far apart for this keeps none for a while (warned).",
    )
    jpeg_quality: int = Field(85, ge=30, le=100, description="Snapshot and buffer JPEG quality.")

    @model_validator(mode="after")
    def _check(self) -> ClipConfig:
        _check_lead_covers_pre_roll(self)
        return self


def _check_lead_covers_pre_roll(clips: ClipConfig) -> None:
    if clips.max_lead_s < clips.pre_roll_s:
        raise ValueError(
            f"max_lead_s ({clips.max_lead_s:g}) is shorter than pre_roll_s "
            f"({clips.pre_roll_s:g}): no clip could hold its pre-roll"
        )
