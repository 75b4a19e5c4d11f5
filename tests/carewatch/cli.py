"""Run the `carewatch` command as a separate process, as users and other tools do."""

from __future__ import annotations

import subprocess
import sys


def carewatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carewatch.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
