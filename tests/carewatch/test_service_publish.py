"""The service publishes what it stores to the webhooks in its settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from carewatch.config import parse_settings
from carewatch.run.service import Service
from supervision.events.views import CameraRecord, FacilityRecord
from supervision.publish.publisher import PublisherState, TargetState
from tests.supervision.conftest import _wait_until
from tests.supervision.test_publish import SECRET, Receiver
from vision.events import SafetyEvent


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.up()
    yield receiver
    receiver.down()


def test_service_publishes_stored_events(
    tmp_path: Path,
    database_url: str,
    receiver: Receiver,
    make_event: Callable[..., SafetyEvent],
) -> None:
    settings = parse_settings(
        {
            "facilities": [{"id": "fac-1", "name": "Home"}],
            "cameras": [],
            "storage": {"data_dir": str(tmp_path / "data")},
            "database": {"url": database_url},
            "publish": {
                "webhooks": [{"name": "district", "url": receiver.url, "secret": SECRET}],
                "poll_s": 0.05,
            },
        }
    )
    service = Service(settings)
    # A camera known to the database only, so that no reader thread starts.
    camera = CameraRecord("cam-1", "fac-1", "Hall", "file")
    service.store.sync_topology([FacilityRecord("fac-1", "Home")], [camera])
    service.start()
    try:
        assert service.publisher.state == PublisherState.RUNNING
        event_id = service.store.record_event(make_event())
        _wait_until(lambda: receiver.ids() == [f"{event_id}-1"])
    finally:
        service.stop()
    assert service.publisher.state == PublisherState.STOPPED
    assert [s.state for s in service.publisher.status()] == [TargetState.STOPPED]
