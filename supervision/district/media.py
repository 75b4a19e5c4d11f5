"""A site's snapshots and clips into the object store, each once; the keys travel up with the
event's next change, so the centre can serve them."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, or_, select

from supervision.district.objects import ObjectStore
from supervision.events.changes import ChangeKind, record_change
from supervision.events.store import EventStore
from supervision.events.workflow import next_revision
from supervision.tables import Event
from supervision.trouble import TroubleLog

log = logging.getLogger(__name__)
BATCH = 20  # events looked at per pass


@dataclass(frozen=True, slots=True)
class Pending:
    event_id: int
    kind: str  # "snapshot" or "clip"
    path: str  # relative to the media folder


def object_key(node_id: str, path: str) -> str:
    """A site's file in the store: under its node id, so sites never collide (and each site's
    key may write only under its own prefix)."""
    return f"{node_id}/{path}"


class MediaUpload:
    """Every `every_s`: uploads this node's snapshots and clips not yet in the store, then
    records each key and checksum as a change of the event (it goes up to the centre). A file
    not written yet, or a store that is away, is tried again on the next pass."""

    def __init__(
        self, store: EventStore, objects: ObjectStore, media_root: Path, every_s: float = 2.0
    ) -> None:
        if store.node_id is None:
            raise ValueError("a site's media upload needs the store's node id")
        self._store = store
        self._node_id = store.node_id
        self._objects = objects
        self._media_root = media_root
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._trouble = TroubleLog(log, "media upload")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="media-upload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def run_once(self) -> int:
        """One pass; how many files went up."""
        sent = 0
        for item in self._pending():
            file = self._media_root / item.path
            if not file.is_file():
                continue  # the clip is still being written
            key = object_key(self._node_id, item.path)
            digest = self._objects.put_file(key, file)
            self._record(item, key, digest)
            sent += 1
        return sent

    def _pending(self) -> list[Pending]:
        missing = or_(
            and_(Event.snapshot_path.is_not(None), Event.snapshot_object.is_(None)),
            and_(Event.clip_path.is_not(None), Event.clip_object.is_(None)),
        )
        query = (
            select(Event)
            .where(Event.node_id == self._node_id, missing)
            .order_by(Event.id)
            .limit(BATCH)
        )
        with self._store.sessions() as session:
            rows = session.scalars(query).all()
            found = []
            for row in rows:
                if row.snapshot_path is not None and row.snapshot_object is None:
                    found.append(Pending(row.id, "snapshot", row.snapshot_path))
                if row.clip_path is not None and row.clip_object is None:
                    found.append(Pending(row.id, "clip", row.clip_path))
            return found

    def _record(self, item: Pending, key: str, digest: str) -> None:
        with self._store.write_session() as session:
            row = session.get_one(Event, item.event_id)
            setattr(row, f"{item.kind}_object", key)
            setattr(row, f"{item.kind}_sha256", digest)
            row.revision = next_revision(session)
            record_change(session, row, ChangeKind.UPDATED)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            try:
                self.run_once()
            except Exception as error:  # the store or the database is away; try again
                self._trouble.failed(error)
                continue
            self._trouble.worked()
