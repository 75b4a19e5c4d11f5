"""Draw people, fall phases, zones, lines and fire boxes onto a frame (live view, snapshots)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from vision.fall import Phase
from vision.fire import FireBoxes
from vision.records import PersonObservation
from vision.zones import LineConfig, Point, ZoneConfig

_EDGES = (
    (5, 6),
    (5, 7),
    (7, 9),
    (6, 8),
    (8, 10),
    (5, 11),
    (6, 12),
    (11, 12),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (0, 5),
    (0, 6),
)
_COLOURS_BGR = {
    Phase.UPRIGHT: (80, 200, 80),
    Phase.DESCENDING: (0, 200, 255),
    Phase.DOWN: (0, 140, 255),
    Phase.FALLEN: (40, 40, 230),
}
_MIN_KEYPOINT_SCORE = 0.3


def draw_people(
    image_bgr: np.ndarray, people: list[PersonObservation], phases: dict[int, Phase]
) -> np.ndarray:
    """A copy of the image with each person's box, skeleton, track id and phase."""
    canvas = image_bgr.copy()
    height, width = canvas.shape[:2]
    scale = np.array([width, height], np.float32)
    thickness = max(1, round(width / 400))
    for person in people:
        phase = phases.get(person.track_id, Phase.UPRIGHT)
        colour = _COLOURS_BGR[phase]
        x1, y1, x2, y2 = (person.box_xyxy.reshape(2, 2) * scale).astype(int).ravel()
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness)
        points = (person.keypoints_xy * scale).astype(int)
        for a, b in _EDGES:
            if min(person.keypoint_scores[a], person.keypoint_scores[b]) >= _MIN_KEYPOINT_SCORE:
                cv2.line(canvas, tuple(points[a]), tuple(points[b]), colour, thickness)
        _label(canvas, f"#{person.track_id} {phase}", (x1, max(12, y1 - 4)), colour)
    return canvas


_ZONE_COLOURS_BGR = {
    "bed": (200, 160, 60),
    "floor": (120, 120, 120),
    "exit": (60, 200, 60),
    "restricted": (40, 40, 230),
    "door": (200, 60, 200),
    "duty": (230, 200, 40),
}
_LINE_COLOUR_BGR = (200, 60, 200)
_FIRE_COLOURS_BGR = {"fire": (0, 80, 255), "smoke": (160, 160, 160)}


def _pixels(points: Sequence[Point], width: int, height: int) -> np.ndarray:
    return (np.asarray(points, np.float32) * np.array([width, height], np.float32)).astype(np.int32)


def _label(canvas: np.ndarray, text: str, at_xy: tuple[int, int], colour: tuple[int, ...]) -> None:
    thickness = max(1, round(canvas.shape[1] / 400))
    cv2.putText(
        canvas, text, at_xy, cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, colour, thickness,
        cv2.LINE_AA,
    )  # fmt: skip


def draw_zones(
    image_bgr: np.ndarray, zones: Sequence[ZoneConfig], lines: Sequence[LineConfig]
) -> np.ndarray:
    """A copy of the image with each zone's outline and each exit line, labelled by id."""
    canvas = image_bgr.copy()
    height, width = canvas.shape[:2]
    thickness = max(1, round(width / 500))
    for zone in zones:
        corners = _pixels(zone.polygon, width, height)
        colour = _ZONE_COLOURS_BGR[zone.kind]
        cv2.polylines(canvas, [corners], True, colour, thickness, cv2.LINE_AA)
        _label(canvas, f"{zone.kind}:{zone.id}", tuple(corners.min(axis=0) + 4), colour)
    for line in lines:
        (a, b) = _pixels(line.points, width, height)
        cv2.arrowedLine(canvas, tuple(a), tuple(b), _LINE_COLOUR_BGR, thickness, cv2.LINE_AA)
        _label(canvas, f"line:{line.id}", tuple(a + 4), _LINE_COLOUR_BGR)
    return canvas


def draw_fire(image_bgr: np.ndarray, fire: FireBoxes) -> np.ndarray:
    """A copy of the image with each fire or smoke box and its score."""
    canvas = image_bgr.copy()
    height, width = canvas.shape[:2]
    thickness = max(1, round(width / 400))
    for box, score, label in zip(fire.boxes_xyxy, fire.scores, fire.labels, strict=True):
        x1, y1, x2, y2 = (np.reshape(box, (2, 2)) * (width, height)).astype(int).ravel()
        colour = _FIRE_COLOURS_BGR.get(label, (0, 0, 255))
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness)
        _label(canvas, f"{label} {score:.2f}", (x1, max(12, y1 - 4)), colour)
    return canvas
