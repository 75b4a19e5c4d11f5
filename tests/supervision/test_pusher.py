"""The pusher against a local WeCom/DingTalk/Feishu stand-in: each incident reaches its group
once, failures are retried and shown, reminders wait for nobody to answer, links expire."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from supervision.events.incidents import get_incident, transition_incident
from supervision.events.overdue import escalate_overdue, remind_unacknowledged
from supervision.events.push_routing import GroupRoute, PushRouting, parse_node
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import IncidentView
from supervision.org import tree as org
from supervision.push.config import PushConfig
from supervision.push.links import BadLink, LinkSigner, load_or_create_key
from supervision.push.pusher import Pusher, local_time_text
from tests.store_calls import read, write
from tests.supervision.robot_receiver import RobotReceiver
from vision.events import EventType, SafetyEvent

Make = Callable[..., SafetyEvent]
SIGNER = LinkSigner(b"k" * 32)


@pytest.fixture
def receiver() -> Iterator[RobotReceiver]:
    with RobotReceiver() as running:
        yield running


def push_config(receiver: RobotReceiver, **overrides: Any) -> PushConfig:
    groups = [
        {"name": "night", "kind": "wecom", "url": receiver.wecom_url, "node": "facility:fac-1"},
        {
            "name": "street",
            "kind": "dingtalk",
            "url": receiver.dingtalk_url,
            "secret": receiver.dingtalk_secret,
            "node": "street:s1",
            "language": "en",
        },
        {
            "name": "district",
            "kind": "feishu",
            "url": receiver.feishu_url,
            "secret": receiver.feishu_secret,
            "node": "district:d1",
            "picture": "link",
        },
    ]
    values = {
        "groups": groups,
        "public_base_url": "https://care.example.cn",
        "poll_s": 0.05,
        "retry": {"first_delay_s": 0.05, "max_delay_s": 0.2},
        **overrides,
    }
    return PushConfig.model_validate(values)


@pytest.fixture
def pushing(store: EventStore, receiver: RobotReceiver) -> Iterator[tuple[EventStore, Pusher]]:
    with store.sessions.begin() as session:
        org.create_district(session, "d1", "Gulou District")
        org.create_street(session, "s1", "d1", "Drum Tower Street")
        org.move_facility(session, "fac-1", "s1")
    config = push_config(receiver)
    routes = [GroupRoute(group.name, parse_node(group.node)) for group in config.groups]
    routed = EventStore(store.sessions, push_routing=PushRouting(routes))
    pusher = Pusher(routed.sessions, config, SIGNER)
    routed.on_change(pusher.wake)
    pusher.start()
    yield routed, pusher
    pusher.stop()


def wait_until(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def incident(store: EventStore, event_id: int) -> IncidentView:
    [found] = [i for i in read(store, list_incidents) if event_id in i.event_ids]
    view = read(store, get_incident, found.id)
    assert view is not None
    return view


def test_a_new_incident_reaches_its_facility_group_once(
    pushing: tuple[EventStore, Pusher], receiver: RobotReceiver, make_event: Make
) -> None:
    store, _ = pushing
    fall_id = store.record_event(make_event(type=EventType.FALL, track_id=1))
    [message] = receiver.wait_for(1, timeout_s=5, vendor="wecom")
    content = message.body["markdown"]["content"]
    assert "跌倒" in content and "Corridor" in content and "Sunrise Home" in content
    assert "https://care.example.cn/#/incidents/" in content
    assert "(UTC+08:00)" in content  # the facility's time, labelled
    wait_until(lambda: incident(store, fall_id).pushes[0].status == "sent")
    store.record_event(make_event(type=EventType.FALL, track_id=1))  # joins: no new push
    time.sleep(0.3)
    assert len(receiver.messages()) == 1


def test_a_failed_push_is_retried_and_shown(
    pushing: tuple[EventStore, Pusher], receiver: RobotReceiver, make_event: Make
) -> None:
    store, pusher = pushing
    receiver.fail_next(2, code=45009, vendor="wecom")  # the vendor's "too many"
    fall_id = store.record_event(make_event(type=EventType.FALL, track_id=1))
    receiver.wait_for(1, timeout_s=10, vendor="wecom")
    wait_until(lambda: incident(store, fall_id).pushes[0].status == "sent")
    [push] = incident(store, fall_id).pushes
    assert push.attempts == 2 and push.last_error and "45009" in push.last_error
    assert "wecom-key" not in push.last_error  # the key in the URL never shows
    [night] = [status for status in pusher.status() if status.name == "night"]
    assert (night.sent, night.failures) == (1, 2)


def test_escalations_reach_the_next_levels_groups_with_an_expiring_picture_link(
    pushing: tuple[EventStore, Pusher], receiver: RobotReceiver, make_event: Make
) -> None:
    store, _ = pushing
    event = make_event(type=EventType.FALL, track_id=1)
    fall_id = store.record_event(event)
    store.attach_media(event.key, snapshot_path="cam-1/fall.jpg")
    opened = datetime.fromtimestamp(event.started_at, UTC)
    write(
        store, escalate_overdue, store.push_routing, 300, 900, now=opened + timedelta(seconds=301)
    )
    [street] = receiver.wait_for(1, timeout_s=5, vendor="dingtalk")
    assert "street" in street.body["actionCard"]["text"].lower()
    write(
        store, escalate_overdue, store.push_routing, 300, 900, now=opened + timedelta(seconds=901)
    )
    [district] = receiver.wait_for(1, timeout_s=5, vendor="feishu")
    card = str(district.body["card"])
    assert "https://care.example.cn/api/push/snapshots/" in card
    token = card.split("/api/push/snapshots/")[1].split("'")[0].split('"')[0].split(")")[0]
    assert SIGNER.event_id(token, time.time()) == fall_id
    wait_until(lambda: [p.status for p in incident(store, fall_id).pushes] == ["sent"] * 3)


def test_a_reminder_goes_only_while_nobody_acknowledged(
    pushing: tuple[EventStore, Pusher], receiver: RobotReceiver, make_event: Make
) -> None:
    store, _ = pushing
    first = store.record_event(make_event(type=EventType.FALL, track_id=1))
    second = store.record_event(make_event(type=EventType.FALL, track_id=2))
    receiver.wait_for(2, timeout_s=5, vendor="wecom")
    write(store, transition_incident, incident(store, second).id, "acknowledge", "amy")
    later = datetime.now(UTC) + timedelta(days=1)
    reminded = write(store, remind_unacknowledged, store.push_routing, 120, now=later)
    assert [view.id for view in reminded] == [incident(store, first).id]
    [reminder] = receiver.wait_for(3, timeout_s=5, vendor="wecom")[2:]
    assert "提醒" in reminder.body["markdown"]["content"]


def test_local_time_text_labels_the_offset() -> None:
    moment = datetime(2026, 12, 7, 8, 11, 13, tzinfo=UTC)
    assert local_time_text(moment, "Asia/Shanghai") == "2026-12-07 16:11:13 (UTC+08:00)"
    assert local_time_text(moment, "America/New_York") == "2026-12-07 03:11:13 (UTC-05:00)"


@pytest.mark.parametrize(
    ("token", "now_s", "error"),
    [
        (SIGNER.token(7, 1000), 1001, "expired"),
        (LinkSigner(b"x" * 32).token(7, 5000), 1000, "not signed"),
        ("7.5000", 1000, "malformed"),
        ("", 1000, "malformed"),
    ],
)
def test_bad_links_are_refused(token: str, now_s: float, error: str) -> None:
    with pytest.raises(BadLink, match=error):
        SIGNER.event_id(token, now_s)


def test_the_link_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "link.key"
    key = load_or_create_key(path)
    assert load_or_create_key(path) == key and len(key) == 32
    assert path.stat().st_mode & 0o077 == 0
