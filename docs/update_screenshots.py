"""Copies the browser tests' current screenshots that the role guides show into docs/img.

Run after `make test` (or the browser tests alone), which write test-output/screenshots/:
`.venv/bin/python docs/update_screenshots.py`. Pictures are scaled to at most 1440 px wide
and 256 colours.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "test-output" / "screenshots"
TARGET = ROOT / "docs" / "img"
MAX_WIDTH_PX = 1440
# The screenshot each guide shows, by the name the tests save it under.
SHOWN = (
    "shift-officer",
    "officer-new-information-en",
    "officer-new-information-zh-CN",
    "officer-queue-phone",
    "wall-16-1080p",
    "wall-enlarged",
    "wall-incident",
    "inspector-overview-desktop",
    "inspector-search-desktop",
    "inspector-review-desktop",
    "inspector-kpis-desktop",
    "inspector-inspection-desktop",
    "audit-log-zh-CN",
    "operator-cameras-desktop",
    "operator-camera-desktop",
    "operator-versions-desktop",
)


def main() -> int:
    missing = [name for name in SHOWN if not (SOURCE / f"{name}.png").is_file()]
    if missing:
        print(
            f"not in {SOURCE}: {', '.join(missing)}; run the browser tests first", file=sys.stderr
        )
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in SHOWN:
        with Image.open(SOURCE / f"{name}.png") as picture:
            if picture.width > MAX_WIDTH_PX:
                height = round(picture.height * MAX_WIDTH_PX / picture.width)
                picture = picture.resize((MAX_WIDTH_PX, height), Image.Resampling.LANCZOS)
            # 256 colours: a screenshot stays legible at a fraction of the bytes.
            shown = picture.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
            shown.save(TARGET / f"{name}.png", optimize=True)
    print(f"{len(SHOWN)} screenshots in {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
