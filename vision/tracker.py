"""Multi-person tracking with stable ids: greedy matching on box overlap and centre distance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision.records import PersonObservation, PoseBatch


@dataclass(slots=True)
class _Track:
    track_id: int
    box_xyxy: np.ndarray
    last_seen_s: float


def iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def match_score(track_xyxy: np.ndarray, box_xyxy: np.ndarray) -> float:
    """0 when unrelated; higher when overlapping or close relative to the track's size.

    A falling person's box changes shape completely between frames, so centre distance
    counts as well as overlap.
    """
    centre_t = (track_xyxy[:2] + track_xyxy[2:]) / 2
    centre_b = (box_xyxy[:2] + box_xyxy[2:]) / 2
    gate = max(float(np.max(track_xyxy[2:] - track_xyxy[:2])), 0.05)
    closeness = 1.0 - float(np.linalg.norm(centre_t - centre_b)) / gate
    return max(0.0, iou(track_xyxy, box_xyxy) + max(0.0, closeness))


class PersonTracker:
    """Assigns each pose a track id that stays the same while the person is followed.

    Poses scoring at least `start_score` may start a track; weaker ones only continue a
    track they match. MoveNet scores people lying down, or in greyscale night pictures,
    much lower than people standing, so a fallen person would otherwise drop out.
    """

    def __init__(self, max_age_s: float, start_score: float = 0.0, min_match: float = 0.15) -> None:
        self.max_age_s = max_age_s
        self.start_score = start_score
        self.min_match = min_match
        self._tracks: list[_Track] = []
        self._next_id = 1

    def update(self, poses: PoseBatch, pts_s: float) -> list[PersonObservation]:
        self._tracks = [t for t in self._tracks if pts_s - t.last_seen_s <= self.max_age_s]
        pairs = self._greedy_pairs(poses)
        observations = []
        for index in range(len(poses)):
            track = pairs.get(index)
            if track is None:
                if poses.scores[index] < self.start_score:
                    continue
                track = self._new_track(poses.boxes_xyxy[index])
            track.box_xyxy, track.last_seen_s = poses.boxes_xyxy[index], pts_s
            observations.append(
                PersonObservation(
                    track.track_id,
                    poses.boxes_xyxy[index],
                    poses.keypoints_xy[index],
                    poses.keypoint_scores[index],
                    float(poses.scores[index]),
                )
            )
        return observations

    def live_ids(self) -> set[int]:
        return {t.track_id for t in self._tracks}

    def boxes(self) -> dict[int, np.ndarray]:
        """Each live track's last box (normalised xyxy)."""
        return {t.track_id: t.box_xyxy for t in self._tracks}

    def _greedy_pairs(self, poses: PoseBatch) -> dict[int, _Track]:
        candidates = [
            (match_score(track.box_xyxy, poses.boxes_xyxy[i]), i, track)
            for track in self._tracks
            for i in range(len(poses))
        ]
        candidates.sort(key=lambda row: -row[0])
        pairs: dict[int, _Track] = {}
        used: set[int] = set()
        for score, index, track in candidates:
            if score < self.min_match or index in pairs or track.track_id in used:
                continue
            pairs[index] = track
            used.add(track.track_id)
        return pairs

    def _new_track(self, box_xyxy: np.ndarray) -> _Track:
        track = _Track(self._next_id, box_xyxy, 0.0)
        self._next_id += 1
        self._tracks.append(track)
        return track
