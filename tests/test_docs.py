"""The manual stays whole: every file a README or docs page links to or shows exists, and every
screenshot in docs/img is shown somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)\s]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_link_and_picture_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    targets = [target for target in LINK.findall(text) if "://" not in target]
    missing = [target for target in targets if not (page.parent / target).exists()]
    assert missing == []


def test_every_screenshot_is_shown() -> None:
    shown = "".join(page.read_text(encoding="utf-8") for page in PAGES)
    pictures = sorted((ROOT / "docs" / "img").glob("*.png"))
    assert pictures, "no screenshots in docs/img"
    assert [p.name for p in pictures if f"img/{p.name}" not in shown] == []


def test_each_role_guide_shows_current_screenshots() -> None:
    for guide in ("officer", "inspector", "operator"):
        text = (ROOT / "docs" / f"{guide}.md").read_text(encoding="utf-8")
        assert re.search(r"!\[[^\]]*\]\(img/", text), guide


def test_every_night_setting_is_in_the_operator_guide() -> None:
    from vision.night import NightConfig

    guide = (ROOT / "docs" / "operator.md").read_text(encoding="utf-8")
    assert [name for name in NightConfig.model_fields if f"| `{name}` |" not in guide] == []
