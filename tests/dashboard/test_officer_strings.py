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


def _covered(keys: set[str]) -> set[str]:
    """The keys, and the plural families ("x" for "x.one"/"x.other") they hold."""
    return keys | {key.rsplit(".", 1)[0] for key in keys if key.endswith((".one", ".other"))}


def test_every_officer_string_is_in_both_languages() -> None:
    tables = _tables()
    assert tables["en"], "no officer.* strings found"
    # Chinese has one plural form: "x.other" serves where English has "x.one" too.
    english = {key for key in tables["en"] if not key.endswith(".one")}
    assert english == {key for key in tables["zh-CN"] if not key.endswith(".one")}


def test_every_officer_key_used_is_defined() -> None:
    sources = [*OFFICER_JS.glob("*.js"), *(STATIC_DIR / "js" / "wall").glob("*.js")]
    used = {key for path in sources for key in USED.findall(path.read_text())}
    assert used, "no officer.* keys used"
    defined = _covered(_tables()["en"])
    assert used <= defined, used - defined
