"""`carewatch run` with an unusable setting: exit 2 and one line on stderr naming the field,
never a traceback (the real command, as a separate process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.carewatch.cli import carewatch

BASE = {
    "facilities": "[{id: home, name: Home}]",
    "cameras": "[{id: cam, name: Cam, facility: home, source: {type: demo}}]",
    "storage": "{data_dir: data}",
    "dashboard": "{port: 1}",
}


def camera(source: str) -> str:
    return f"[{{id: cam, name: Cam, facility: home, source: {source}}}]"


IN_VIDEOS = "{data_dir: data, video_folders: [videos]}"
BAD = [
    ("unknown dialect", {"database": "{url: 'sqlitex:///x.db'}"}, "database.url: unknown database"),
    ("not a url", {"database": "{url: 'not a url'}"}, "database.url: not a database URL"),
    (
        "driver not installed",
        {"database": "{url: 'postgresql+nosuchdriver://carewatch:secret@db/cw'}"},
        "database.url: unknown database dialect or driver 'postgresql+nosuchdriver'",
    ),
    (
        "checklist file missing",
        {"inspection": "{checklists: {fire_safety: no-such.yaml}}"},
        "inspection.checklists: fire_safety: no-such.yaml: cannot read",
    ),
    (
        "data folder cannot be made",
        {"storage": "{data_dir: /proc/carewatch-data}"},
        "storage.data_dir: cannot create /proc/carewatch-data",
    ),
    (
        "file camera outside the video folders",
        {"cameras": camera("{type: file, path: /etc/passwd}"), "storage": IN_VIDEOS},
        "cameras[0].source.path: '/etc/passwd' is not under a video folder",
    ),
    (
        "a link out of the video folder",
        {"cameras": camera("{type: file, path: videos/link.mp4}"), "storage": IN_VIDEOS},
        "cameras[0].source.path: 'videos/link.mp4' is not under a video folder",
    ),
    (
        "file sources off",
        {
            "cameras": camera("{type: file, path: videos/a.mp4}"),
            "storage": "{data_dir: data, video_folders: []}",
        },
        "cameras[0].source.path: file sources are off (storage.video_folders is empty)",
    ),
    (
        "file URL",
        {"cameras": camera("{type: url, url: 'file:///x'}")},
        "cameras[0].source.url: scheme 'file' is not a camera URL",
    ),
    (
        "a file as a capture device",
        {"cameras": camera("{type: usb, device: /etc/hosts}")},
        "cameras[0].source.device: '/etc/hosts' is not a capture device",
    ),
]


@pytest.mark.parametrize(("name", "setting", "message"), BAD, ids=[row[0] for row in BAD])
def test_run_with_a_bad_setting_exits_2_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    setting: dict[str, str],
    message: str,
) -> None:
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "link.mp4").symlink_to("/etc/passwd")
    config = tmp_path / "carewatch.yaml"
    config.write_text("".join(f"{key}: {value}\n" for key, value in (BASE | setting).items()))
    monkeypatch.chdir(tmp_path)

    run = carewatch("run", "--config", str(config))

    lines = run.stderr.splitlines()
    assert (run.returncode, len(lines)) == (2, 1), run.stderr
    assert message in lines[0]
    assert "secret" not in run.stderr


def test_a_database_command_names_a_bad_db_url() -> None:
    run = carewatch("audit", "verify", "--db", "sqlitex:///x.db")
    assert (run.returncode, run.stderr) == (
        2,
        "carewatch: --db: unknown database dialect or driver 'sqlitex' (sqlite, postgresql)\n",
    )
