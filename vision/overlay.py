"""Draw tracked people, their skeletons and fall phases onto a frame for the live view."""

from __future__ import annotations

import cv2
import numpy as np

from vision.fall import Phase
from vision.records import PersonObservation

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
        label = f"#{person.track_id} {phase}"
        cv2.putText(
            canvas,
            label,
            (x1, max(12, y1 - 4)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.4 * thickness,
            colour,
            thickness,
            cv2.LINE_AA,
        )
    return canvas
