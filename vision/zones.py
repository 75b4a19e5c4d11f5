"""Camera zones: polygons in normalised image coordinates, and which one a point lies in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

ZoneKind = Literal["bed", "floor"]


class ZoneConfig(BaseModel):
    """A named area of the picture; `polygon` corners are (x, y) in [0, 1] of width/height."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Zone id.")
    kind: ZoneKind = Field(
        description="bed: lying here is normal (no fall, no long lie); floor: where falls land."
    )
    polygon: list[tuple[float, float]] = Field(
        min_length=3, max_length=64, description="Corners (x, y), normalised to [0, 1]."
    )

    @field_validator("polygon")
    @classmethod
    def _inside_the_picture(cls, corners: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for index, (x, y) in enumerate(corners):
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError(f"corner {index} ({x}, {y}) is outside [0, 1]")
        return corners


def contains(polygon: Sequence[tuple[float, float]], x: float, y: float) -> bool:
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
