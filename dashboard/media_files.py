"""Which files under the media root may be served, and as what content type."""

from __future__ import annotations

from pathlib import Path

from supervision.inspections.evidence import EVIDENCE_DIR

MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def resolve_media(media_root: Path, relative_path: str) -> tuple[Path, str] | None:
    """The file and content type behind a /media/ path; None outside the root or not media."""
    root = media_root.resolve()
    try:
        # resolve() follows symlinks, so a link pointing out of the root is refused too.
        path = (root / relative_path).resolve()
    except (OSError, ValueError):
        return None
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None or not path.is_relative_to(root) or not path.is_file():
        return None
    # Inspection and hazard evidence is served only by its own scoped routes.
    if path.is_relative_to(root / EVIDENCE_DIR):
        return None
    return path, media_type
