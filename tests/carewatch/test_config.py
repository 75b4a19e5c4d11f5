"""Settings: the example file loads; a bad file gives one line naming the field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from carewatch.config import ConfigError, load_settings
from carewatch.demo import demo_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "carewatch" / "example.yaml"


def test_example_config_loads() -> None:
    settings = load_settings(EXAMPLE)
    assert [c.id for c in settings.cameras] == ["corridor-1", "room-101", "replay"]
    assert settings.cameras[1].fall.long_lie_s == 120
    assert settings.cameras[0].source.type == "url"


def test_demo_config_is_valid(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, 8123)
    assert settings.cameras[0].source.type == "demo"
    assert str(tmp_path) in settings.database.url


BASE = """
facilities: [{id: f1, name: F}]
cameras: [{id: c1, name: C, facility: f1, source: {type: file, path: x.mp4}}]
"""

BAD = [
    ("unknown top-level key", BASE + "colour: red\n", "colour: Extra inputs are not permitted"),
    (
        "wrong type",
        BASE.replace("name: C", "name: C, analysis_fps: fast"),
        "cameras[0].analysis_fps: Input should be a valid number",
    ),
    (
        "out of bounds threshold",
        BASE.replace("name: C", "name: C, fall: {confirm_s: -2}"),
        "cameras[0].fall.confirm_s: Input should be greater than or equal to 0",
    ),
    (
        "unknown facility",
        BASE.replace("facility: f1", "facility: nowhere"),
        "cameras[0].facility: unknown facility 'nowhere'",
    ),
    (
        "unknown source type",
        BASE.replace("type: file", "type: fax"),
        "cameras[0].source: Input tag 'fax' found using 'type' does not match",
    ),
    (
        "missing field",
        BASE.replace(", path: x.mp4", ""),
        "cameras[0].source.path: Field required",
    ),
    (
        "publish target",
        BASE + "publish: {webhooks: [{name: w, url: 'ftp://x', secret: 0123456789abcdefgh}]}\n",
        "publish.webhooks[0].url: String should match pattern",
    ),
    (
        "disk warning out of bounds",
        BASE + "storage: {warn_free_fraction: 1.5}\n",
        "storage.warn_free_fraction: Input should be less than or equal to 0.95",
    ),
    (
        "disk warning after retention deletes",
        BASE + "storage: {warn_free_fraction: 0.02}\n",
        "storage.warn_free_fraction: 0.02 is below retention.min_free_disk_fraction (0.05)",
    ),
    (
        "disk warning in bytes after retention deletes",
        BASE + "storage: {warn_free_bytes: 10}\nretention: {min_free_disk_bytes: 1000}\n",
        "storage.warn_free_bytes: 10 is below retention.min_free_disk_bytes (1000)",
    ),
    (
        "retention newest window",
        BASE + "retention: {keep_newest_h: -1}\n",
        "retention.keep_newest_h: Input should be greater than or equal to 0",
    ),
    ("not a mapping", "- 1\n- 2\n", "expected a mapping at the top level"),
    ("not yaml", "facilities: [\n", "not valid YAML at line"),
    ("empty file", "", "expected a mapping at the top level"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_names_the_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_disk_warning_off_or_above_retention_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(BASE + "storage: {warn_free_fraction: 0, disk_check_every_s: 5}\n")
    storage = load_settings(path).storage
    assert (storage.warn_free_fraction, storage.warn_free_bytes) == (0, 0)
    assert storage.disk_check_every_s == 5


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "none.yaml")
