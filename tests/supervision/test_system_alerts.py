"""Database and disk trouble reaches every phone group once when it lasts, and once when it ends."""

from __future__ import annotations

import json

from supervision.health import Problem
from supervision.push.config import PushGroupConfig
from supervision.push.robots import build_robot
from supervision.push.system import SystemAlerts
from tests.supervision.robot_receiver import RobotReceiver

T0_S = 1_760_000_000.0


def _texts(receiver: RobotReceiver) -> list[str]:
    return [json.dumps(m.body, ensure_ascii=False) for m in receiver.messages()]


def test_lasting_trouble_is_pushed_once_to_each_group_and_so_is_its_end() -> None:
    problems: list[Problem] = []
    with RobotReceiver() as receiver:
        groups = [
            PushGroupConfig(name="night", kind="wecom", url=receiver.wecom_url, node="facility:h"),
            PushGroupConfig(
                name="street",
                kind="dingtalk",
                url=receiver.dingtalk_url,
                secret=receiver.dingtalk_secret,
                node="street:s",
                language="en",
            ),
        ]
        alerts = SystemAlerts(
            [build_robot(group) for group in groups],
            lambda: problems,
            "https://care.example/",
            alert_after_s=30,
        )
        problems.append(Problem("database", "connection refused", T0_S, waiting=3))
        alerts.check(T0_S + 10)  # not yet: it may pass by itself
        assert receiver.messages() == []
        receiver.fail_next(1, vendor="dingtalk")  # the street's robot is down this time
        alerts.check(T0_S + 31)
        alerts.check(T0_S + 36)  # retried where it failed, not repeated where it was sent
        texts = _texts(receiver)
        assert len(texts) == 2
        assert "【系统故障】事件无法写入数据库" in texts[0] and "connection refused" in texts[0]
        assert "[System fault] Events cannot reach the database" in texts[1]
        problems.clear()
        alerts.check(T0_S + 60)
        alerts.check(T0_S + 65)
        texts = _texts(receiver)
        assert len(texts) == 4
        assert "【已恢复】事件无法写入数据库" in texts[2]
        assert "[Resolved] Events cannot reach the database" in texts[3]
