"""The service's own problems (database, spool, disk) for /api/health, /metrics and the banner."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, get_args

from prometheus_client.core import GaugeMetricFamily, Metric

from supervision.health import Problem, ProblemKind


class HealthSource(Protocol):
    """What is wrong right now; called per request and scrape, so it must be cheap."""

    def problems(self) -> list[Problem]: ...


def problem_metrics(problems: Sequence[Problem]) -> Iterator[Metric]:
    present = {problem.kind: problem for problem in problems}
    state = GaugeMetricFamily(
        "carewatch_problem",
        "1 while the service has this problem (database, spool, disk), else 0.",
        labels=("kind",),
    )
    for kind in get_args(ProblemKind):
        state.add_metric([kind], float(kind in present))
    yield state
    waiting = sum(p.waiting for p in problems if p.kind == "database")
    yield GaugeMetricFamily(
        "carewatch_writes_waiting",
        "Event writes kept (spool or memory) until the database takes them.",
        value=waiting,
    )
    in_memory = sum(p.waiting for p in problems if p.kind == "spool")
    yield GaugeMetricFamily(
        "carewatch_writes_in_memory_only",
        "Event writes the spool could not take (disk full): lost if the process dies.",
        value=in_memory,
    )
