"""The camera-control seam: validate, apply, test and replay camera configurations.

The composition root implements it over the running cameras; the dashboard only stores
versions and calls it. Configurations travel as JSON-ready dicts (the root owns their shape).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


class Outcome(StrEnum):
    KEPT = "kept"  # fires with the current and with the proposed configuration
    NEW = "new"  # fires only with the proposed one
    DROPPED = "dropped"  # fires only with the current one


@dataclass(frozen=True, slots=True)
class ReplayClip:
    """A recorded clip to replay: its event, file, and the wall time of its first frame."""

    event_id: int
    clip_path: str  # relative to the media root, as stored
    file: Path
    start_epoch_s: float


@dataclass(frozen=True, slots=True)
class ReplayEvent:
    type: str
    zone_id: str | None
    start_s: float  # seconds into the clip
    end_s: float | None
    confidence: float
    outcome: Outcome


class Run(StrEnum):
    """Which configuration of a replay something holds for."""

    BOTH = "both"
    CURRENT = "current"
    PROPOSED = "proposed"


@dataclass(frozen=True, slots=True)
class ReplayLimit:
    """An event type a clip is too short to reproduce: it fires only after `needs_s` seconds
    of its condition (`setting`, e.g. fall.long_lie_s) and the clip is shorter than that."""

    type: str
    zone_id: str | None
    setting: str
    needs_s: float
    run: Run


@dataclass(frozen=True, slots=True)
class ClipReplay:
    event_id: int
    clip_path: str
    events: list[ReplayEvent]
    error: str | None = None  # the clip could not be analysed (gone, unreadable)
    clip_s: float | None = None  # the clip's length
    limits: list[ReplayLimit] = field(default_factory=list)  # what it cannot reproduce


@dataclass(frozen=True, slots=True)
class ReplayResult:
    camera_id: str
    clips: list[ClipReplay]
    elapsed_s: float
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> events

    @classmethod
    def of(cls, camera_id: str, clips: list[ClipReplay], elapsed_s: float) -> ReplayResult:
        counts = {str(outcome): 0 for outcome in Outcome}
        for clip in clips:
            for event in clip.events:
                counts[event.outcome] += 1
        return cls(camera_id, clips, round(elapsed_s, 3), counts)


class CameraControl(Protocol):
    """What the operator pages need of the running cameras.

    `validate`, `apply` and `test_source` raise ValueError with a one-line reason naming the
    field; they may block (open a stream, restart a camera) and are called off the event loop.
    """

    def schema(self) -> dict[str, Any]:
        """JSON schema of a camera configuration (descriptions and bounds for the forms)."""
        ...

    def validate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration checked and completed with defaults, as JSON-ready data."""
        ...

    def apply(self, camera_id: str, config: Mapping[str, Any]) -> None:
        """Run the camera with `config` now (restart it, or start a new one)."""
        ...

    def test_source(self, source: Mapping[str, Any]) -> bytes:
        """One JPEG picture from a source that is not saved yet."""
        ...

    def snapshot(self, camera_id: str) -> bytes | None:
        """The camera's newest picture, without overlays, as JPEG; None if none yet."""
        ...

    def replay(
        self, camera_id: str, config: Mapping[str, Any], clips: Sequence[ReplayClip]
    ) -> ReplayResult:
        """What `config` would have fired on `clips`, against what the running one fires."""
        ...
