"""Cross-field checks of the settings file: names that must match across its sections."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carewatch.config import Settings


def check_camera_facilities(settings: Settings) -> None:
    known = {f.id for f in settings.facilities}
    for index, camera in enumerate(settings.cameras):
        if camera.facility not in known:
            raise ValueError(
                f"cameras[{index}].facility: unknown facility {camera.facility!r} "
                f"(known: {', '.join(sorted(known))})"
            )


def check_facility_streets(settings: Settings) -> None:
    known = {street.id for street in settings.streets()}
    for index, facility in enumerate(settings.facilities):
        if facility.street is not None and facility.street not in known:
            raise ValueError(
                f"facilities[{index}].street: unknown street {facility.street!r} "
                f"(known: {', '.join(sorted(known)) or 'none; add districts[].streets'})"
            )


def check_push_nodes(settings: Settings) -> None:
    known = {
        "facility": {f.id for f in settings.facilities},
        "street": {s.id for s in settings.streets()},
        "district": {d.id for d in settings.districts},
    }
    for index, group in enumerate(settings.push.groups):
        kind, _, node_id = group.node.partition(":")
        if node_id not in known[kind]:
            raise ValueError(
                f"push.groups[{index}].node: unknown {kind} {node_id!r} "
                f"(known: {', '.join(sorted(known[kind])) or 'none'})"
            )


def check_disk_warning(settings: Settings) -> None:
    """The warning comes before retention deletes media for space, not after."""
    storage, retention = settings.storage, settings.retention
    pairs = [
        ("warn_free_fraction", storage.warn_free_fraction, "min_free_disk_fraction"),
        ("warn_free_bytes", storage.warn_free_bytes, "min_free_disk_bytes"),
    ]
    for name, warn, retention_name in pairs:
        deletes_at = getattr(retention, retention_name)
        if 0 < warn < deletes_at:
            raise ValueError(
                f"storage.{name}: {warn} is below retention.{retention_name} ({deletes_at}); "
                "the warning must come before retention deletes media for space"
            )
