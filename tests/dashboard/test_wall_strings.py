"""The live wall's strings: every key in English and Chinese, and every key used exists."""

from __future__ import annotations

import re

from dashboard.routes.pages import STATIC_DIR

WALL_JS = STATIC_DIR / "js" / "wall"
KEY = re.compile(r'^\s*"(wall\.[\w.]+)":', re.MULTILINE)
USED = re.compile(r"""t\(\s*["'`](wall\.[\w.]+)["'`]""")


def _tables() -> dict[str, set[str]]:
    text = (WALL_JS / "strings.js").read_text()
    english, chinese = text.split('"zh-CN": {')
    return {"en": set(KEY.findall(english)), "zh-CN": set(KEY.findall(chinese))}


def test_every_wall_string_is_in_both_languages() -> None:
    tables = _tables()
    assert tables["en"], "no wall.* strings found"
    assert tables["en"] == tables["zh-CN"]


def test_every_wall_key_used_is_defined() -> None:
    used = {key for path in WALL_JS.glob("*.js") for key in USED.findall(path.read_text())}
    assert used, "no wall.* keys used"
    assert used <= _tables()["en"], used - _tables()["en"]
