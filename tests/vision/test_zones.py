"""Zones: point-in-polygon and config validation."""

from __future__ import annotations

import pytest

from vision.zones import ZoneConfig, contains, zone_kinds_at

SQUARE = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)]
L_SHAPE = [(0.0, 0.0), (0.5, 0.0), (0.5, 0.2), (0.2, 0.2), (0.2, 0.5), (0.0, 0.5)]


@pytest.mark.parametrize(
    ("polygon", "point", "inside"),
    [
        (SQUARE, (0.4, 0.4), True),
        (SQUARE, (0.1, 0.4), False),
        (SQUARE, (0.7, 0.7), False),
        (L_SHAPE, (0.1, 0.4), True),
        (
            L_SHAPE,
            (0.4, 0.4),
            False,
        ),
        (L_SHAPE, (0.4, 0.1), True),
    ],
)
def test_contains(
    polygon: list[tuple[float, float]], point: tuple[float, float], inside: bool
) -> None:
    assert contains(polygon, *point) is inside


def test_kinds_at() -> None:
    zones = [
        ZoneConfig(id="bed-1", kind="bed", polygon=SQUARE),
        ZoneConfig(id="floor", kind="floor", polygon=[(0, 0), (1, 0), (1, 1), (0, 1)]),
    ]
    assert zone_kinds_at(zones, 0.4, 0.4) == {"bed", "floor"}
    assert zone_kinds_at(zones, 0.9, 0.9) == {"floor"}
    assert zone_kinds_at([], 0.5, 0.5) == set()


@pytest.mark.parametrize(
    ("polygon", "message"),
    [([(0, 0), (1, 0)], "at least 3"), ([(0, 0), (1.5, 0), (1, 1)], "outside")],
)
def test_bad_zone(polygon: list[tuple[float, float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ZoneConfig(id="z", kind="bed", polygon=polygon)
