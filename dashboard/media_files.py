"""Which files under the media root may be served, as what, and fetching a district site's."""

from __future__ import annotations

import logging
from pathlib import Path

from supervision.district.objects import ObjectStore, ObjectStoreError
from supervision.events.views import EventView
from supervision.inspections.evidence import EVIDENCE_DIR

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def fetch_media(
    media_root: Path, relative_path: str, event: EventView, objects: ObjectStore | None
) -> tuple[Path, str] | None:
    """`event`'s snapshot or clip recorded at a district site, fetched from the object store
    into the media folder under its key, then served as a local file; None if there is none."""
    media = event.media_objects
    if objects is None or media is None:
        return None
    known = {media.snapshot_object: media.snapshot_sha256, media.clip_object: media.clip_sha256}
    if relative_path not in known:
        return None
    target = media_root.resolve() / relative_path
    if not target.resolve().is_relative_to(media_root.resolve()):
        return None
    try:
        objects.fetch(relative_path, target, known[relative_path])
    except ObjectStoreError as error:
        log.warning("media %s not fetched from the object store: %s", relative_path, error)
        return None
    return resolve_media(media_root, relative_path)


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
