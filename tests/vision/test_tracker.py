"""Tracking: stable ids for several people, weak poses only continue tracks, old tracks expire."""

from __future__ import annotations

import numpy as np
import pytest

from vision.records import KEYPOINT_COUNT, PoseBatch
from vision.tracker import PersonTracker, match_score


def batch(*people: tuple[tuple[float, float, float, float], float]) -> PoseBatch:
    if not people:
        return PoseBatch.empty()
    boxes = np.array([box for box, _ in people], np.float32)
    scores = np.array([score for _, score in people], np.float32)
    count = len(people)
    return PoseBatch(
        boxes,
        np.zeros((count, KEYPOINT_COUNT, 2), np.float32),
        np.ones((count, KEYPOINT_COUNT), np.float32),
        scores,
    )


def ids(tracker: PersonTracker, poses: PoseBatch, pts_s: float) -> list[int]:
    return [p.track_id for p in tracker.update(poses, pts_s)]


def test_two_people_keep_their_ids_while_walking_apart() -> None:
    tracker = PersonTracker(max_age_s=2.0, start_score=0.2)
    assert ids(tracker, batch(((0.1, 0.2, 0.2, 0.8), 0.5), ((0.7, 0.2, 0.8, 0.8), 0.5)), 0) == [
        1,
        2,
    ]
    for step in range(1, 10):
        dx = 0.02 * step
        people = batch(
            ((0.7 + dx, 0.2, 0.8 + dx, 0.8), 0.5), ((0.1 - dx / 2, 0.2, 0.2 - dx / 2, 0.8), 0.5)
        )
        assert ids(tracker, people, step / 8) == [2, 1]


def test_a_falling_person_keeps_their_id_though_the_box_changes_shape() -> None:
    tracker = PersonTracker(max_age_s=2.0)
    ids(tracker, batch(((0.40, 0.10, 0.55, 0.80), 0.5)), 0.0)
    assert ids(tracker, batch(((0.30, 0.55, 0.75, 0.85), 0.3)), 0.25) == [1]


@pytest.mark.parametrize(
    ("first_score", "later_score", "expected"),
    [(0.5, 0.12, [1]), (0.12, 0.12, [])],
    ids=["weak pose continues a track", "weak pose starts none"],
)
def test_weak_poses_only_continue(
    first_score: float, later_score: float, expected: list[int]
) -> None:
    tracker = PersonTracker(max_age_s=2.0, start_score=0.2)
    ids(tracker, batch(((0.4, 0.4, 0.6, 0.9), first_score)), 0.0)
    assert ids(tracker, batch(((0.4, 0.45, 0.6, 0.9), later_score)), 0.125) == expected


def test_unseen_tracks_expire_and_empty_frames_are_fine() -> None:
    tracker = PersonTracker(max_age_s=1.0)
    ids(tracker, batch(((0.4, 0.4, 0.6, 0.9), 0.5)), 0.0)
    assert ids(tracker, batch(), 0.5) == [] and tracker.live_ids() == {1}
    assert ids(tracker, batch(((0.4, 0.4, 0.6, 0.9), 0.5)), 3.0) == [2]


def test_match_score_is_zero_for_far_apart_boxes() -> None:
    near = match_score(np.array([0.1, 0.1, 0.2, 0.5]), np.array([0.12, 0.1, 0.22, 0.5]))
    far = match_score(np.array([0.1, 0.1, 0.2, 0.5]), np.array([0.8, 0.1, 0.9, 0.5]))
    assert near > 1.0 and far == 0.0
