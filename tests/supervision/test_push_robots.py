"""Group robots against a local stand-in of the vendors' endpoints, and their signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from supervision.push.config import PushGroupConfig
from supervision.push.notice import MAX_MARKDOWN_BYTES, PushNotice
from supervision.push.robots import (
    DingTalkRobot,
    FeishuRobot,
    PushError,
    Robot,
    WeComRobot,
    build_robot,
    dingtalk_sign,
    feishu_sign,
)
from tests.supervision.robot_receiver import FEISHU_MAX_BODY_BYTES, RobotReceiver

# -- known answers ---------------------------------------------------------------------------
#
# Neither vendor publishes a worked numeric example (their samples sign the current time), so
# the oracle is each document's own Python reference code, transcribed below; the pinned values
# were produced by that transcription and guard against a change in either.


def _dingtalk_doc_sample(timestamp: str, secret: str) -> str:
    # DingTalk 自定义机器人安全设置 → 加签 → "签名计算代码示例（Python）" (#python 3.8),
    # https://open.dingtalk.com/document/robots/customize-robot-security-settings
    # (read through its mirror https://apifox.com/apidoc/docs-site/467052/doc-3550006).
    secret_enc = secret.encode("utf-8")
    string_to_sign = f"{timestamp}\n{secret}"
    string_to_sign_enc = string_to_sign.encode("utf-8")
    hmac_code = hmac.new(secret_enc, string_to_sign_enc, digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(hmac_code))


def _feishu_doc_sample(timestamp: str, secret: str) -> str:
    # Feishu 自定义机器人使用指南 → 签名校验 → Python 示例代码 (gen_sign),
    # https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
    # (formerly open.feishu.cn/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN#348211be).
    string_to_sign = f"{timestamp}\n{secret}"
    hmac_code = hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return base64.b64encode(hmac_code).decode("utf-8")


@pytest.mark.parametrize(
    ("timestamp_ms", "secret", "expected"),
    [
        # "this is secret" is the secret of the doc's own sample.
        (1577262236757, "this is secret", "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"),
        (1700000000000, "this is secret", "sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0%3D"),
        (1700000000000, "SEC0123456789abcdef", "TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D"),
    ],
)
def test_dingtalk_sign_matches_the_doc_sample(
    timestamp_ms: int, secret: str, expected: str
) -> None:
    assert _dingtalk_doc_sample(str(timestamp_ms), secret) == expected
    assert dingtalk_sign(secret, timestamp_ms) == expected


@pytest.mark.parametrize(
    ("timestamp_s", "secret", "expected"),
    [
        # 1599360473 is the doc's example timestamp ("例如，1599360473").
        (1599360473, "this is secret", "/eYKrXQBzTjUZJ3s6NX16VxGbTwmK7AEs8/FnvC1CSw="),
        (1700000000, "qNBHb3xbuOKcsAsGXcDyJf", "Ah0O/eGlmqvNnbOamO6SAYygNiM5QnwBLJKZhLMAW54="),
    ],
)
def test_feishu_sign_matches_the_doc_sample(timestamp_s: int, secret: str, expected: str) -> None:
    assert _feishu_doc_sample(str(timestamp_s), secret) == expected
    assert feishu_sign(secret, timestamp_s) == expected


# -- against the local receiver --------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[RobotReceiver]:
    with RobotReceiver(per_minute={"wecom": 3, "dingtalk": 3, "feishu": 50}) as running:
        yield running


def _group(receiver: RobotReceiver, kind: str, **overrides: Any) -> PushGroupConfig:
    fields: dict[str, Any] = {
        "wecom": {"url": receiver.wecom_url},
        "dingtalk": {"url": receiver.dingtalk_url, "secret": receiver.dingtalk_secret},
        "feishu": {"url": receiver.feishu_url, "secret": receiver.feishu_secret},
    }[kind]
    return PushGroupConfig.model_validate(
        {"name": f"{kind}-group", "kind": kind, "node": "facility:demo-home", "timeout_s": 2}
        | fields
        | overrides
    )


def _notice(**overrides: Any) -> PushNotice:
    fields: dict[str, Any] = {
        "incident_id": 42,
        "kind": "new",
        "event_types": ("fall", "long_lie"),
        "fall_count": 2,
        "severity": "critical",
        "facility_name": "演示养老院",
        "camera_name": "101房",
        "opened_at_text": "2026-12-07 16:11:13 (UTC+08:00)",
        "link_url": "https://care.example.cn/#/incidents/42",
        "snapshot_url": None,
    }
    return PushNotice(**(fields | overrides))


def _secrets(receiver: RobotReceiver) -> list[str]:
    return [
        receiver.wecom_key,
        receiver.dingtalk_token,
        receiver.dingtalk_secret,
        receiver.feishu_token,
        receiver.feishu_secret,
    ]


def _send_failing(robot: Robot, receiver: RobotReceiver, notice: PushNotice) -> PushError:
    with pytest.raises(PushError) as caught:
        robot.send(notice)
    text = f"{caught.value} {caught.value.args!r}"
    assert not any(secret in text for secret in _secrets(receiver)), text
    return caught.value


KINDS = ["wecom", "dingtalk", "feishu"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_robot_is_accepted(receiver: RobotReceiver, kind: str) -> None:
    robot = build_robot(_group(receiver, kind))
    robot.send(_notice())
    [message] = receiver.wait_for(1, vendor=kind)
    assert robot.name == f"{kind}-group"
    assert "演示养老院" in json.dumps(message.body, ensure_ascii=False)
    robot.close()


def test_wecom_sends_markdown(receiver: RobotReceiver) -> None:
    robot = WeComRobot(_group(receiver, "wecom"))
    robot.send(_notice())
    body = receiver.wait_for(1)[0].body
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("### 【跌倒、长时间倒地】演示养老院 · 101房\n")
    assert "[点击查看并确认](https://care.example.cn/#/incidents/42)" in content
    assert len(content.encode("utf-8")) <= MAX_MARKDOWN_BYTES


def test_dingtalk_sends_an_action_card_with_one_button(receiver: RobotReceiver) -> None:
    robot = DingTalkRobot(_group(receiver, "dingtalk"))
    robot.send(_notice())
    body = receiver.wait_for(1)[0].body
    assert body["msgtype"] == "actionCard"
    card = body["actionCard"]
    assert card["title"] == "【跌倒、长时间倒地】演示养老院 · 101房"
    assert card["singleTitle"] == "点击查看并确认"
    assert card["singleURL"] == "https://care.example.cn/#/incidents/42"
    assert "**类型**：跌倒、长时间倒地（跌倒 2 次）" in card["text"].split("\n\n")


def test_feishu_sends_a_signed_interactive_card(receiver: RobotReceiver) -> None:
    robot = FeishuRobot(_group(receiver, "feishu", language="en"), now_s=time.time)
    robot.send(_notice(severity="warning"))
    body = receiver.wait_for(1)[0].body
    assert body["msg_type"] == "interactive"
    assert isinstance(body["timestamp"], str) and body["sign"]
    card = body["card"]
    assert card["header"]["title"]["content"] == "[Fall, Long lie] 演示养老院 · 101房"
    assert card["header"]["template"] == "orange"
    [button] = card["elements"][1]["actions"]
    assert button["url"] == "https://care.example.cn/#/incidents/42"
    assert button["text"]["content"] == "Open and acknowledge"
    assert "**Type**: Fall, Long lie (2 falls)" in card["elements"][0]["text"]["content"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_largest_notice_stays_within_the_vendor_limits(
    receiver: RobotReceiver, kind: str
) -> None:
    long_url = "https://care.example.cn/" + "x" * 970
    notice = _notice(
        facility_name="养" * 500,
        camera_name="房" * 500,
        opened_at_text="时" * 500,
        event_types=tuple(f"type_{i}" for i in range(12)),
        link_url=long_url,
        snapshot_url=long_url,
        kind="escalation",
        escalated_to="district",
        unacknowledged_s=1e9,
    )
    build_robot(_group(receiver, kind)).send(notice)  # the receiver checks each vendor's cap
    [message] = receiver.wait_for(1)
    assert len(json.dumps(message.body).encode()) < FEISHU_MAX_BODY_BYTES


@pytest.mark.parametrize(
    ("kind", "overrides", "code"),
    [
        ("wecom", {"url_key": "wrong-key-0000"}, 93000),
        ("dingtalk", {"url_key": "wrong-token-0000"}, 300005),
        ("dingtalk", {"secret": "SECwrong-secret-0000"}, 310000),
        ("feishu", {"url_key": "wrong-token-0000"}, 19001),
        ("feishu", {"secret": "wrong-secret-0000"}, 19021),
    ],
)
def test_a_wrong_key_or_secret_is_refused_with_the_vendor_code(
    receiver: RobotReceiver, kind: str, overrides: dict[str, str], code: int
) -> None:
    group = _group(receiver, kind)
    if "url_key" in overrides:
        right = {"wecom": receiver.wecom_key, "dingtalk": receiver.dingtalk_token}.get(
            kind, receiver.feishu_token
        )
        url = group.url.get_secret_value().replace(right, overrides["url_key"])
        group = _group(receiver, kind, url=url)
    else:
        group = _group(receiver, kind, secret=overrides["secret"])
    error = _send_failing(build_robot(group), receiver, _notice())
    assert error.code == code and not error.rate_limited
    assert str(code) in str(error) and kind in str(error)
    assert "wrong-" not in str(error)
    assert receiver.messages() == []


@pytest.mark.parametrize(("kind", "code"), [("dingtalk", 310000), ("feishu", 19021)])
def test_a_timestamp_over_an_hour_off_is_refused(
    receiver: RobotReceiver, kind: str, code: int
) -> None:
    robot = build_robot(_group(receiver, kind), now_s=lambda: time.time() - 3700)
    assert _send_failing(robot, receiver, _notice()).code == code


@pytest.mark.parametrize(("kind", "code"), [("wecom", 45009), ("dingtalk", 130101)])
def test_past_the_per_minute_limit_the_answer_is_rate_limited(
    receiver: RobotReceiver, kind: str, code: int
) -> None:
    robot = build_robot(_group(receiver, kind))
    for _ in range(3):
        robot.send(_notice())
    error = _send_failing(robot, receiver, _notice())
    assert error.rate_limited and error.code == code
    assert len(receiver.messages(kind)) == 3


def test_feishu_past_five_a_second_is_rate_limited(receiver: RobotReceiver) -> None:
    robot = build_robot(_group(receiver, "feishu"))
    errors = []
    for _ in range(6):  # six local requests take far less than a second
        try:
            robot.send(_notice())
        except PushError as error:
            errors.append(error)
    assert [(e.code, e.rate_limited) for e in errors] == [(11232, True)]


@pytest.mark.parametrize(
    ("failure", "rate_limited", "expected"),
    [
        ((500, None), False, "HTTP 500"),
        ((502, None), False, "HTTP 502"),
        ((302, None), False, "HTTP 302"),  # never followed
        ((429, None), True, "HTTP 429"),
        ((200, 45009), True, "HTTP 200, errcode 45009: injected failure"),
        ((200, -1), False, "HTTP 200, errcode -1: injected failure"),
    ],
)
def test_a_failed_answer_raises_and_the_next_send_goes_through(
    receiver: RobotReceiver, failure: tuple[int, int | None], rate_limited: bool, expected: str
) -> None:
    robot = build_robot(_group(receiver, "wecom"))
    receiver.fail_next(1, status=failure[0], code=failure[1])
    error = _send_failing(robot, receiver, _notice())
    assert error.rate_limited is rate_limited
    assert expected in str(error)
    robot.send(_notice())
    assert len(receiver.wait_for(1)) == 1


@pytest.mark.parametrize("old_answer", [False, True])
def test_feishu_answers_old_and_new_are_read(receiver: RobotReceiver, old_answer: bool) -> None:
    robot = build_robot(_group(receiver, "feishu"))
    receiver.fail_next(1, code=11232, vendor="feishu", old_answer=old_answer)
    error = _send_failing(robot, receiver, _notice())
    assert error.rate_limited and "code 11232: injected failure" in str(error)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _silent_listener() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections into the backlog, never answers
    return listener


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_connection_raises_without_the_key(receiver: RobotReceiver, kind: str) -> None:
    url = _group(receiver, kind).url.get_secret_value()
    dead = url.replace(receiver.base_url, f"http://127.0.0.1:{_closed_port()}")
    error = _send_failing(build_robot(_group(receiver, kind, url=dead)), receiver, _notice())
    assert "ConnectError" in str(error) and error.code is None


def test_a_silent_robot_times_out(receiver: RobotReceiver) -> None:
    with _silent_listener() as listener:
        port = listener.getsockname()[1]
        url = receiver.wecom_url.replace(receiver.base_url, f"http://127.0.0.1:{port}")
        robot = build_robot(_group(receiver, "wecom", url=url, timeout_s=0.2))
        assert "Timeout" in str(_send_failing(robot, receiver, _notice()))


@pytest.mark.parametrize(
    ("kind", "robot_class"),
    [("wecom", WeComRobot), ("dingtalk", DingTalkRobot), ("feishu", FeishuRobot)],
)
def test_build_robot_picks_the_class_by_kind(
    receiver: RobotReceiver, kind: str, robot_class: Callable[..., Robot]
) -> None:
    assert type(build_robot(_group(receiver, kind))) is robot_class


def test_a_robot_refuses_a_config_of_another_kind(receiver: RobotReceiver) -> None:
    with pytest.raises(ValueError, match="kind: WeComRobot needs wecom, got feishu"):
        WeComRobot(_group(receiver, "feishu"))
