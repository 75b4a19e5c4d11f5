"""Pushes to every phone group when the service itself is in trouble (database, disk), and when
that ends; sent straight to the robots, since the database may be what is down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from supervision.health import Problem, ProblemKind
from supervision.push.notice import Language, RenderedNotice
from supervision.push.robots import PushError, Robot

log = logging.getLogger(__name__)

# (English, 中文) titles per problem kind, and for its end.
_TITLES: dict[ProblemKind, tuple[str, str]] = {
    "database": ("Events cannot reach the database", "事件无法写入数据库"),
    "spool": ("Disk full: events wait in memory only", "磁盘已满：事件仅暂存于内存"),
    "disk": ("Disk space low", "存储空间不足"),
}
_FAULT = ("System fault", "系统故障")
_RESOLVED = ("Resolved", "已恢复")
_LABELS = {
    "reason": ("Reason", "原因"),
    "since": ("Since", "开始时间"),
    "waiting": ("Events kept for writing", "待写入事件（已保存）"),
    "open": ("Open the dashboard", "打开看板"),
}


def render_system(
    problem: Problem, resolved: bool, language: Language, dashboard_url: str
) -> RenderedNotice:
    """The trouble (or its end, `resolved`) as a group message in `language`."""
    index = 1 if language == "zh-CN" else 0
    tag = (_RESOLVED if resolved else _FAULT)[index]
    what = _TITLES[problem.kind][index]
    title = f"【{tag}】{what}" if index else f"[{tag}] {what}"
    since = datetime.fromtimestamp(problem.since_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    facts = [(_LABELS["since"][index], since)]
    if not resolved:
        facts.insert(0, (_LABELS["reason"][index], problem.reason[:300]))
        if problem.kind != "disk":
            facts.append((_LABELS["waiting"][index], str(problem.waiting)))
    colon = "：" if index else ": "
    md_lines = tuple(f"**{label}**{colon}{value}" for label, value in facts)
    link = _LABELS["open"][index]
    markdown = "\n".join([f"### {title}", *md_lines, f"[{link}]({dashboard_url})"])
    text = "\n".join([title, *(f"{label}{colon}{value}" for label, value in facts), dashboard_url])
    return RenderedNotice(title, markdown, text, md_lines, link, dashboard_url)


class SystemAlerts:
    """Watches `problems()`; one lasting `alert_after_s` is pushed once, and so is its end."""

    def __init__(
        self,
        robots: Sequence[Robot],
        problems: Callable[[], list[Problem]],
        dashboard_url: str,
        alert_after_s: float = 30.0,
        poll_s: float = 5.0,
    ) -> None:
        self._robots = robots
        self._problems = problems
        self._url = dashboard_url
        self._alert_after_s = alert_after_s
        self._poll_s = poll_s
        self._alerted: dict[tuple[str, ProblemKind], Problem] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="system-alerts", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        for robot in self._robots:
            robot.close()

    def check(self, now_s: float) -> None:
        """Push what began or ended since the last check (the thread calls this every poll)."""
        current = {problem.kind: problem for problem in self._problems()}
        for robot in self._robots:
            for kind, problem in current.items():
                key = (robot.name, kind)
                due = now_s - problem.since_s >= self._alert_after_s
                if key not in self._alerted and due and self._send(robot, problem, False):
                    self._alerted[key] = problem
            ended = [key for key in self._alerted if key[0] == robot.name]
            for key in [key for key in ended if key[1] not in current]:
                if self._send(robot, self._alerted[key], True):
                    del self._alerted[key]

    def _run(self) -> None:
        while not self._stopping.wait(self._poll_s):
            try:
                self.check(time.time())
            except Exception:  # a bug here must not end the alerts
                log.exception("system alerts: check failed")

    def _send(self, robot: Robot, problem: Problem, resolved: bool) -> bool:
        rendered = render_system(problem, resolved, robot.language, self._url)
        try:
            robot.send_rendered(rendered, "info" if resolved else "critical")
        except PushError as error:
            log.warning("system push to %s failed: %s", robot.name, error)
            return False
        log.warning("pushed to %s: %s", robot.name, rendered.title)
        return True
