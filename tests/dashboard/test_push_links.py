"""Snapshot links pushed to phone groups: only a link this server signed, unexpired, opens the
event's picture, without a sign-in; each opening is an audit row."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.events.store import EventStore
from supervision.push.links import LinkSigner
from supervision.tables import AuditEntry

SIGNER = LinkSigner(b"s" * 32)


def test_only_a_signed_unexpired_link_opens_the_snapshot(
    store: EventStore,
    media_root: Path,
    record_with_media: Callable[..., int],
) -> None:
    event_id = record_with_media()
    app = create_app(DashboardConfig(), store, StaticLiveFeed(), media_root, link_signer=SIGNER)
    with TestClient(app) as anonymous:
        good = anonymous.get(f"/api/push/snapshots/{SIGNER.token(event_id, time.time() + 60)}")
        expired = anonymous.get(f"/api/push/snapshots/{SIGNER.token(event_id, time.time() - 1)}")
        forged = anonymous.get(
            f"/api/push/snapshots/{LinkSigner(b'x' * 32).token(event_id, time.time() + 60)}"
        )
        missing = anonymous.get(f"/api/push/snapshots/{SIGNER.token(999, time.time() + 60)}")
    assert good.status_code == 200 and good.headers["content-type"] == "image/jpeg"
    assert good.content[:2] == b"\xff\xd8"
    assert [r.status_code for r in (expired, forged, missing)] == [404, 404, 404]
    with store.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "snapshot_link_view")
        rows = session.scalars(query).all()
    assert [(row.actor, row.object_id) for row in rows] == [("phone-group link", str(event_id))]


def test_without_a_signer_every_link_is_unknown(
    store: EventStore, media_root: Path, record_with_media: Callable[..., int]
) -> None:
    event_id = record_with_media()
    app = create_app(DashboardConfig(), store, StaticLiveFeed(), media_root)
    with TestClient(app) as anonymous:
        answer = anonymous.get(f"/api/push/snapshots/{SIGNER.token(event_id, time.time() + 60)}")
    assert answer.status_code == 404
