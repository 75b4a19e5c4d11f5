"""What the rules see of one analysed frame: people, local time, and the optional detectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from vision.fire import FireBoxes
from vision.records import PersonObservation
from vision.rules.lifecycle import RuleSignal
from vision.scene_health import SceneHealthReading
from vision.zones import Point, contains


class StaticView(Protocol):
    """Stationary foreground of a camera (see vision.static_objects.StaticObjectDetector)."""

    def static_fraction(self, polygon: Sequence[Point]) -> float: ...


@dataclass(frozen=True, slots=True)
class SceneView:
    """One analysed frame as the rules see it; a detector that did not run is None."""

    pts_s: float
    local_time: datetime
    people: list[PersonObservation]
    lost_track_ids: list[int] = field(default_factory=list)
    fire: FireBoxes | None = None
    static: StaticView | None = None
    health: SceneHealthReading | None = None


class Rule(Protocol):
    def step(self, view: SceneView) -> list[RuleSignal]: ...

    def close(self) -> list[RuleSignal]: ...


def foot_point(person: PersonObservation) -> Point:
    """Where a person stands: the bottom centre of the box (normalised)."""
    x1, _, x2, y2 = (float(v) for v in person.box_xyxy)
    return ((x1 + x2) / 2, y2)


def centre_point(person: PersonObservation) -> Point:
    x1, y1, x2, y2 = (float(v) for v in person.box_xyxy)
    return ((x1 + x2) / 2, (y1 + y2) / 2)


def people_in(polygon: Sequence[Point], people: list[PersonObservation]) -> list[int]:
    """Track ids of the people standing (foot point) inside a polygon."""
    return [p.track_id for p in people if contains(polygon, *foot_point(p))]


def signals(*maybe: RuleSignal | None) -> list[RuleSignal]:
    return [signal for signal in maybe if signal is not None]
