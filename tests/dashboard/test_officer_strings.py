"""The safety officer's strings: every key in English and Chinese, and every key used exists."""

from __future__ import annotations

import re

from dashboard.routes.pages import STATIC_DIR

OFFICER_JS = STATIC_DIR / "js" / "officer"
KEY = re.compile(r'^\s*"(officer\.[\w.]+)":', re.MULTILINE)
USED = re.compile(r"""t\(\s*["'](officer\.[\w.]+)["']""")


def _tables() -> dict[str, set[str]]:
    text = (OFFICER_JS / "strings.js").read_text()
    english, chinese = text.split('"zh-CN": {')
    return {"en": set(KEY.findall(english)), "zh-CN": set(KEY.findall(chinese))}


def test_every_officer_string_is_in_both_languages() -> None:
    tables = _tables()
    assert tables["en"], "no officer.* strings found"
    assert tables["en"] == tables["zh-CN"]


def test_every_officer_key_used_is_defined() -> None:
    sources = [*OFFICER_JS.glob("*.js"), STATIC_DIR / "js" / "live.js"]
    used = {key for path in sources for key in USED.findall(path.read_text())}
    assert used, "no officer.* keys used"
    assert used <= _tables()["en"], used - _tables()["en"]
