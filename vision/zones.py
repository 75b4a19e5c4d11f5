"""Camera zones and lines in normalised image coordinates, their schedules, and geometry tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vision.events import Category

ZoneKind = Literal["bed", "floor", "exit", "restricted", "door", "duty"]
Point = tuple[float, float]
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_WINDOW = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"


def _check_points(points: list[Point]) -> list[Point]:
    for index, (x, y) in enumerate(points):
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValueError(f"corner {index} ({x}, {y}) is outside [0, 1]")
    return points


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_window(window: str | None, local: datetime) -> bool:
    """Whether local time lies in "HH:MM-HH:MM" (which may wrap midnight); None is always."""
    if window is None:
        return True
    start_text, end_text = window.split("-")
    start, end, now = _clock(start_text), _clock(end_text), local.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID, description="Zone or line id, unique on the camera.")
    schedule: str | None = Field(
        None,
        pattern=_WINDOW,
        description='Active hours "HH:MM-HH:MM" in the facility time zone (may wrap midnight, '
        'e.g. "21:00-06:00"); empty: always.',
    )

    def active(self, local: datetime) -> bool:
        return in_window(self.schedule, local)


class ZoneConfig(_Shape):
    """A named area of the picture; `polygon` corners are (x, y) in [0, 1] of width/height."""

    kind: ZoneKind = Field(
        description="bed: lying here is normal, leaving it at night is a bed exit; floor: where "
        "falls land; exit: evacuation route or exit that must stay clear; restricted: nobody "
        "may enter (kitchen, medicine room, roof, water); door: leaving through it at night is "
        "wandering; duty: at least `min_people` must be here (fire-control room, night round)."
    )
    polygon: list[Point] = Field(
        min_length=3, max_length=64, description="Corners (x, y), normalised to [0, 1]."
    )
    hold_s: float | None = Field(
        None,
        gt=0,
        le=86400,
        description="This zone's time before its rule fires (exit: object stationary; "
        "restricted: person inside; duty: too few people); empty: the camera's rule default.",
    )
    min_people: int = Field(1, ge=1, le=20, description="duty zones: people required.")
    category: Category | None = Field(
        None,
        description="restricted zones: the risk it guards (e.g. scalds for a kitchen, "
        "wrong_food_or_medicine for a medicine room); empty: harm_to_self_or_others.",
    )

    @field_validator("polygon")
    @classmethod
    def _inside_the_picture(cls, corners: list[Point]) -> list[Point]:
        return _check_points(corners)


class LineConfig(_Shape):
    """A line from `points[0]` to `points[1]`; crossing it towards `out_side` is leaving."""

    points: list[Point] = Field(
        min_length=2, max_length=2, description="Two ends (x, y), normalised to [0, 1]."
    )
    out_side: Literal["left", "right", "either"] = Field(
        "either",
        description="Side that is outside, seen looking from the first point to the second "
        "(image coordinates); only crossings towards it count.",
    )

    @field_validator("points")
    @classmethod
    def _inside_the_picture(cls, ends: list[Point]) -> list[Point]:
        return _check_points(ends)


def contains(polygon: Sequence[Point], x: float, y: float) -> bool:
    """Even-odd ray casting; points on an edge may fall either way."""
    corners = np.asarray(polygon, dtype=np.float64)
    x1, y1 = corners[:, 0], corners[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    crosses = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at_y = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return bool(np.count_nonzero(crosses & (x < x_at_y)) % 2)


def zone_kinds_at(zones: Sequence[ZoneConfig], x: float, y: float) -> set[str]:
    return {zone.kind for zone in zones if contains(zone.polygon, x, y)}


def _side(line: Sequence[Point], point: Point) -> float:
    """Positive on the right of line[0]→line[1] in image coordinates (y grows downwards)."""
    (ax, ay), (bx, by) = line
    return (bx - ax) * (point[1] - ay) - (by - ay) * (point[0] - ax)


def crossing_side(line: Sequence[Point], before: Point, after: Point) -> str | None:
    """ "left" or "right" (the side moved to) if the step before→after crosses the segment."""
    side_before, side_after = _side(line, before), _side(line, after)
    if side_before * side_after >= 0:
        return None
    segment_before = _side((before, after), line[0])
    segment_after = _side((before, after), line[1])
    if segment_before * segment_after > 0:
        return None
    return "right" if side_after > 0 else "left"
