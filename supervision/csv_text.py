"""CSV cells that a spreadsheet shows as written: no formulas, floats rounded, None empty."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(round(value, 6))
    text = str(value)
    # A name typed as "=..." would run as a formula in a spreadsheet (CSV injection).
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header row and the rows, each cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue()
