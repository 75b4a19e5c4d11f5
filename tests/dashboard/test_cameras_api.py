"""Camera list: stored cameras with live health merged in."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from dashboard.live import StaticLiveFeed
from streams.health import CameraHealth, CameraState
from supervision.events.store import EventStore
from tests.dashboard.media_helpers import draw_picture


def test_live_health_wins_over_stored_state(client: TestClient) -> None:
    cameras = {c["id"]: c for c in client.get("/api/cameras").json()}

    assert set(cameras) == {"cam-1", "cam-2"}
    assert cameras["cam-1"]["name"] == "Corridor"
    assert cameras["cam-1"]["live"] is True
    assert cameras["cam-1"]["state"] == "online"
    assert cameras["cam-1"]["fps"] == 9.5
    assert cameras["cam-1"]["last_frame_at"].startswith("2025-10-09T")
    assert cameras["cam-2"]["live"] is False
    assert cameras["cam-2"]["facility_id"] == "fac-1"


def test_stored_health_is_shown_when_not_live(client: TestClient, store: EventStore) -> None:
    store.update_camera_health(
        CameraHealth("cam-2", CameraState.OFFLINE, None, 0.0, 10, 0, 4, error="connection refused")
    )

    camera = next(c for c in client.get("/api/cameras").json() if c["id"] == "cam-2")

    assert (camera["state"], camera["reconnects"]) == ("offline", 4)
    assert camera["last_error"] == "connection refused"


def test_live_only_camera_is_listed_to_the_admin_only(
    client_as: Callable[[str], TestClient], live_feed: StaticLiveFeed
) -> None:
    live_feed.set_frame("cam-new", draw_picture())

    as_admin = client_as("admin").get("/api/cameras").json()
    as_officer = client_as("officer-1").get("/api/cameras").json()

    camera = next(c for c in as_admin if c["id"] == "cam-new")
    assert (camera["name"], camera["state"], camera["live"]) == ("cam-new", "starting", True)
    assert "cam-new" not in {c["id"] for c in as_officer}
