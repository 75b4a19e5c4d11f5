"""The demo camera's scripted fall is detected by the real models (the demo shows a real alarm)."""

from __future__ import annotations

import pytest

from carewatch.analyze.offline import analyze_frames
from streams.config import DemoSourceConfig
from streams.demo import DemoSource
from streams.sampling import RateSampler
from vision.assembly import build_analyzer, build_shared_models
from vision.config import FallThresholds, ModelsConfig, VisionConfig


@pytest.mark.slow
def test_demo_fall_is_detected() -> None:
    source = DemoSource("demo", DemoSourceConfig(realtime=False))
    source.open()
    fall_at_s = source.scene.timeline.fall_start_s if source.scene else 0.0
    sampler = RateSampler(8.0)
    frames = (source.read() for _ in range(int((fall_at_s + 6) * source.nominal_fps)))
    kept = (f for f in frames if f is not None and sampler.keep(f.pts_s))
    vision = VisionConfig(fall=FallThresholds(long_lie_s=600))
    models = ModelsConfig()
    analyzer = build_analyzer("demo", vision, models, build_shared_models(models))
    events = list(analyze_frames(kept, analyzer, gated=True))
    falls = [e for e in events if e.type == "fall"]
    assert len(falls) == 1
    assert abs(falls[0].start_s - fall_at_s) < 1.5
