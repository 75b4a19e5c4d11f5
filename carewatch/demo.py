"""The embedded default configuration for `carewatch demo`: one synthetic camera, no download."""

from __future__ import annotations

from pathlib import Path

from carewatch.config import Settings, parse_settings


def demo_settings(data_dir: Path, port: int) -> Settings:
    """A facility with one demo camera in which a person falls, lies and gets up, in a loop."""
    return parse_settings(
        {
            "facilities": [{"id": "demo-home", "name": "Demo Care Home (演示养老院)"}],
            "cameras": [
                {
                    "id": "demo-room",
                    "name": "Demo room",
                    "facility": "demo-home",
                    "source": {"type": "demo"},
                    "fall": {"long_lie_s": 10},
                }
            ],
            "storage": {"data_dir": str(data_dir)},
            "database": {"url": f"sqlite:///{data_dir / 'carewatch.db'}"},
            "dashboard": {"port": port},
        },
        origin="demo config",
    )
