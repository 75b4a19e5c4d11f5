"""Overlays: zones, lines and fire boxes are drawn where the configuration puts them."""

from __future__ import annotations

import numpy as np

from vision.fire import FireBoxes
from vision.overlay import draw_fire, draw_zones
from vision.zones import LineConfig, ZoneConfig


def test_zones_and_lines_are_drawn_on_a_copy() -> None:
    image = np.zeros((200, 400, 3), np.uint8)
    zone = ZoneConfig(id="exit-1", kind="exit", polygon=[(0.25, 0.25), (0.75, 0.25), (0.75, 0.75)])
    line = LineConfig(id="gate", points=[(0.1, 0.0), (0.1, 1.0)])
    drawn = draw_zones(image, [zone], [line])
    assert image.max() == 0  # the input is untouched
    assert drawn[50, 150:250].max() > 0  # the zone's top edge at y = 0.25
    assert drawn[100:150, 40].max() > 0  # the line at x = 0.1
    assert drawn[190, 300].max() == 0  # nothing far from both


def test_empty_zone_list_draws_nothing() -> None:
    image = np.full((20, 20, 3), 7, np.uint8)
    assert np.array_equal(draw_zones(image, [], []), image)


def test_fire_boxes_are_outlined() -> None:
    image = np.zeros((100, 100, 3), np.uint8)
    boxes = FireBoxes(
        np.array([[0.2, 0.2, 0.6, 0.6]], np.float32), np.array([0.9], np.float32), ["fire"]
    )
    drawn = draw_fire(image, boxes)
    assert drawn[20:60, 20].max() > 0 and drawn[80, 80].max() == 0
