"""Record BodyGeometry sequences of the first track from real clips (fixtures for test_fall).

Run: .venv/bin/python -m tests.vision.record_geometry  (needs ../shared/data/eval)
"""

from __future__ import annotations

import json
from pathlib import Path

from streams.sources import iter_file_frames
from vision.body import measure
from vision.config import VisionConfig
from vision.pipeline import Analyzer
from vision.pose import load_pose

EVAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "eval" / "assist-iot"
CLIPS = {
    "fall_faint": "fall/05_vertical_fall_faint.mp4",
    "fall_knees": "fall/07_fall_to_knees_forward.mp4",
    "sit_low_chair_quickly": "adl/09_low_chair_sitting_quickly.mp4",
    "walk_slowly": "adl/01_walking_slowly.mp4",
    "lying_still": "imm/01_imm_back.mp4",
}
OUT = Path(__file__).resolve().parent / "data" / "geometry.json"


def record(clip: Path) -> list[list[float | None]]:
    analyzer = Analyzer("rec", VisionConfig(), load_pose(None, 2))
    rows: list[list[float | None]] = []
    for frame in iter_file_frames(clip, "rec", 8.0):
        people = analyzer.process(frame).people
        main = [p for p in people if p.track_id == min((q.track_id for q in people), default=0)]
        for person in main:
            body = measure(person, frame.pts_s, frame.size_wh)
            rows.append(
                [
                    round(body.pts_s, 3),
                    round(body.centre_y, 4),
                    round(body.height, 4),
                    round(body.aspect, 4),
                    None if body.torso_angle_deg is None else round(body.torso_angle_deg, 1),
                ]
            )
    return rows


if __name__ == "__main__":
    data = {name: record(EVAL / rel) for name, rel in CLIPS.items()}
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")
