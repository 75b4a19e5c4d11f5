"""Prometheus figures of the disks the service writes to, and of media it could not write."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from supervision.retention.disk import DiskState

FOLDER = ("folder",)


def disk_metrics(state: DiskState) -> Iterator[Metric]:
    """Per watched folder (`media`, `spool`): free and total bytes, free ratio, low (0/1)."""
    families = {
        "free_bytes": GaugeMetricFamily(
            "carewatch_disk_free_bytes", "Bytes free on the folder's disk.", labels=FOLDER
        ),
        "size_bytes": GaugeMetricFamily(
            "carewatch_disk_size_bytes", "Size of the folder's disk.", labels=FOLDER
        ),
        "free_ratio": GaugeMetricFamily(
            "carewatch_disk_free_ratio", "Share of the folder's disk free (0-1).", labels=FOLDER
        ),
    }
    low = GaugeMetricFamily(
        "carewatch_disk_low",
        "1 while the folder's disk is below storage.warn_free_* or cannot be read, else 0.",
        labels=FOLDER,
    )
    for reading in state.readings:
        low.add_metric([reading.folder], float(reading.low))
        if reading.space is None:
            continue
        families["free_bytes"].add_metric([reading.folder], reading.space.free_bytes)
        families["size_bytes"].add_metric([reading.folder], reading.space.total_bytes)
        if reading.free_fraction is not None:
            families["free_ratio"].add_metric([reading.folder], reading.free_fraction)
    yield from families.values()
    yield low


def media_write_metrics(failures: Mapping[tuple[str, str], int]) -> Iterator[Metric]:
    """Snapshots and clips not written since start, by kind and errno name (ENOSPC, EROFS)."""
    family = CounterMetricFamily(
        "carewatch_media_write_failures",
        "Snapshots and clips that could not be written (their events were stored without).",
        labels=("kind", "cause"),
    )
    for (kind, cause), count in sorted(failures.items()):
        family.add_metric([kind, cause], count)
    yield family
