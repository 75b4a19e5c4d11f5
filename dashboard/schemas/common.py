"""What every API schema shares: the base models, text the database can store, media URLs."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrimmedSchema(BaseModel):
    """Inputs whose text is stripped of surrounding whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Text that reaches the database: PostgreSQL cannot store NUL characters.
NO_NUL = r"^[^\x00]*$"


def media_url(stored_path: str | None, media_root: Path) -> str | None:
    """URL under /media/ of a file stored relative to (or inside) the media root, else None."""
    if not stored_path:
        return None
    path = Path(stored_path)
    if path.is_absolute():
        path = path.resolve()
        if not path.is_relative_to(media_root):
            return None
        path = path.relative_to(media_root)
    return "/media/" + path.as_posix()
