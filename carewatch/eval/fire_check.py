"""Fire and smoke events over a clip manifest, through the same path as `carewatch analyze`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from carewatch.analyze.offline import analyze_frames, live_frames
from carewatch.eval.manifest import ManifestError, ManifestRow, read_manifest
from vision.assembly import SharedModels, build_analyzer, build_fire_model
from vision.config import ModelsConfig, VisionConfig
from vision.events import EventType

FIRE_TYPES = (EventType.FIRE, EventType.SMOKE)


@dataclass(frozen=True, slots=True)
class FireOutcome:
    """Fire and smoke events of one clip: (type, start_s) pairs."""

    clip: str
    label: str
    events: list[tuple[str, float]]
    wall_s: float


def check_clip(
    row: ManifestRow, vision: VisionConfig, models: ModelsConfig, shared: SharedModels
) -> FireOutcome:
    started = time.perf_counter()
    analyzer = build_analyzer(row.path.stem, vision, models, shared)
    frames = live_frames(row.path, row.path.stem, vision.analysis_fps)
    found = [
        (str(e.type), round(e.start_s, 2))
        for e in analyze_frames(frames, analyzer, gated=True)
        if e.type in FIRE_TYPES
    ]
    return FireOutcome(row.clip, row.label, found, round(time.perf_counter() - started, 1))


def summary(outcomes: Sequence[FireOutcome]) -> dict[str, object]:
    quiet = [o for o in outcomes if o.label != "fire"]
    fires = [o for o in outcomes if o.label == "fire"]
    return {
        "clips_without_fire": len(quiet),
        "false_alarm_clips": [o.clip for o in quiet if o.events],
        "fire_clips": len(fires),
        "fire_first_alert_s": {o.clip: min((s for _, s in o.events), default=None) for o in fires},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m carewatch.eval.fire_check", description=__doc__
    )
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--labels", default="adl,fall,fire", help="manifest labels to run")
    args = parser.parse_args(argv)
    labels = set(args.labels.split(","))
    try:
        rows = [row for row in read_manifest(args.manifest) if row.label in labels]
    except ManifestError as error:
        print(error, file=sys.stderr)
        return 2
    vision = VisionConfig()
    models = ModelsConfig(second_opinion=False)
    shared = SharedModels(None, build_fire_model(models))
    if shared.fire is None:
        print("the fire model could not be loaded", file=sys.stderr)
        return 1
    outcomes = []
    for row in rows:
        outcome = check_clip(row, vision, models, shared)
        print(json.dumps(asdict(outcome)), flush=True)
        outcomes.append(outcome)
    print(json.dumps(summary(outcomes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
