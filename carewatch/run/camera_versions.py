"""Which camera configurations run: the database's newest versions over the settings file.

The settings file seeds version 1 of each camera the database does not know yet; from then
on the newest stored version runs. Cameras added in the dashboard run too; a camera whose
history began in the file stops running when the file drops it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from carewatch.config import CameraConfig, ConfigError, Settings, parse_camera
from streams.source_policy import allowed_source
from supervision.cameras.versions import (
    ConfigVersion,
    VersionKind,
    first_kinds,
    latest_configs,
    seed_versions,
)
from supervision.events.store import EventStore

log = logging.getLogger(__name__)


def check_facility(camera: CameraConfig, settings: Settings) -> CameraConfig:
    """ConfigError unless the camera's facility is one of the settings (time zone, tree)."""
    if camera.facility not in {facility.id for facility in settings.facilities}:
        raise ConfigError(f"facility: unknown facility {camera.facility!r}")
    return camera


def check_camera(camera: CameraConfig, settings: Settings) -> CameraConfig:
    """ConfigError unless the camera's facility is known and its source may be read (a file
    under storage.video_folders, a capture device: streams.source_policy)."""
    try:
        allowed_source(camera.source, settings.video_folders())
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return check_facility(camera, settings)


def stored_settings(store: EventStore, settings: Settings) -> Settings:
    """`settings` with the cameras that run: stored versions in place of the file's."""
    with store.sessions() as session:
        latest = latest_configs(session)
        kinds = first_kinds(session)
    cameras = effective_cameras(settings, latest, kinds)
    return settings.model_copy(update={"cameras": cameras})


def effective_cameras(
    settings: Settings,
    latest: Mapping[str, ConfigVersion],
    kinds: Mapping[str, VersionKind],
) -> list[CameraConfig]:
    """The file's cameras (newest stored version where there is one), then those added later.

    A stored version that no longer validates (an upgrade tightened a bound, its facility left
    the file) is logged and passed over, so the service still starts and it can be fixed.
    """
    cameras = [_stored(latest.get(c.id), settings) or c for c in settings.cameras]
    in_file = {camera.id for camera in settings.cameras}
    for camera_id, version in sorted(latest.items()):
        if camera_id not in in_file and kinds.get(camera_id) is VersionKind.CREATED:
            camera = _stored(version, settings)
            cameras += [camera] if camera is not None else []
    return cameras


def seed_from_settings(store: EventStore, settings: Settings) -> list[str]:
    """Store version 1 of each camera that has no version yet; the ids seeded."""
    configs = {camera.id: camera.model_dump(mode="json") for camera in settings.cameras}
    with store.sessions.begin() as session:
        return seed_versions(session, configs)


def _stored(version: ConfigVersion | None, settings: Settings) -> CameraConfig | None:
    if version is None:
        return None
    try:
        return check_camera(parse_camera(dict(version.config)), settings)
    except ConfigError as error:
        log.error(
            "camera %s: stored version %d not used: %s", version.camera_id, version.version, error
        )
        return None
