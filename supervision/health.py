"""What is wrong with the service right now: problems the dashboard, metrics and pushes show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProblemKind = Literal["database", "spool", "disk"]


@dataclass(frozen=True, slots=True)
class SinkHealth:
    """Whether writes reach the database, and where those that do not are kept."""

    database_error: str | None  # the last write's failure; None once a write succeeds
    spool_error: str | None  # why the spool cannot be written (disk full); None when it can
    spooled: int  # writes in the spool file
    held_in_memory: int  # writes neither written nor spooled: lost if the process dies
    reserve_held: bool  # False: the spool's reserve was used up by a full disk
    since_s: float | None  # time.time() when the current trouble began

    @property
    def ok(self) -> bool:
        return self.database_error is None and self.spool_error is None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing that threatens events or evidence, in one line, since when."""

    kind: ProblemKind
    reason: str  # English, one line: for logs, /api/health and the banner's detail
    since_s: float  # epoch seconds
    waiting: int = 0  # writes kept for the database meanwhile (spool and memory)


def sink_problems(health: SinkHealth, now_s: float) -> list[Problem]:
    """The writer's trouble: the database not taking writes, the spool not taking them either."""
    since_s = health.since_s if health.since_s is not None else now_s
    waiting = health.spooled + health.held_in_memory
    problems = []
    if health.database_error is not None:
        problems.append(Problem("database", health.database_error, since_s, waiting))
    if health.spool_error is not None:
        problems.append(Problem("spool", health.spool_error, since_s, health.held_in_memory))
    return problems
