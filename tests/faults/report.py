"""Each fault test's figures, one JSON file per fault under test-output/faults/ (the docs'
"Faults survived" table is read off them)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[2] / "test-output" / "faults"


def record(fault: str, produced: int, stored: list[tuple[str, str]], **figures: Any) -> None:
    """`produced`: falls the input holds; `stored`: (camera, key) of the falls stored after."""
    OUT.mkdir(parents=True, exist_ok=True)
    keys = [key for _, key in stored]
    distinct = len(set(keys))
    row = {
        "fault": fault,
        "produced": produced,
        "stored": distinct,
        "lost": produced - distinct,
        "doubled": len(keys) - distinct,
        **figures,
    }
    name = re.sub(r"[^a-z0-9+]+", "-", fault.lower()).strip("-").replace("+", "plus")
    (OUT / f"{name}.json").write_text(json.dumps(row, indent=1) + "\n")
