"""Operator's camera pages: configuration versions, live apply, source tests, snapshots, replays.

Configurations hold stream addresses (often with credentials), so only roles that may change
them read them. A camera outside the user's scope is a 404 worded as for a missing id. Edits
of the camera itself (name, facility, source) and new cameras need manage_cameras;
thresholds, zones, replays and rollbacks need change_thresholds. A change is stored as a new
version, with its audit row, only once the running camera took it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dashboard.auth import Principal, PrincipalDep, SessionsDep, audit, require_permission
from dashboard.camera_control import CameraControl, ReplayClip, ReplayResult
from dashboard.deps import ConfigDep, MediaRootDep, get_context
from dashboard.schemas.camera_admin import (
    ConfigIn,
    ConfigVersionOut,
    NewCameraIn,
    ReplayIn,
    RollbackIn,
    SourceIn,
)
from streams.source_policy import source_label
from supervision.cameras.versions import (
    CAMERA_FIELDS,
    ConfigConflict,
    ConfigVersion,
    RecordedClip,
    VersionKind,
    add_camera,
    changed_sections,
    edit_action,
    get_version,
    latest_version,
    list_versions,
    recorded_clips,
    save_version,
    update_camera,
)
from supervision.org.scope import Permission, can_manage_cameras, can_read_camera, has_permission

router = APIRouter(tags=["camera configuration"])
JPEG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}, "description": "A JPEG picture."}
}
NO_STORE = {"Cache-Control": "no-store"}
RESULT_MAX_CHARS = 300  # of a source test's outcome in the audit log


def get_camera_control(request: Request) -> CameraControl:
    control = get_context(request).camera_control
    if control is None:
        raise HTTPException(503, "camera control not available")
    return control


ControlDep = Annotated[CameraControl, Depends(get_camera_control)]


@router.get("/api/camera-schema")
def camera_schema(principal: PrincipalDep, control: ControlDep) -> dict[str, Any]:
    """JSON schema of a camera configuration: every field's description and bounds."""
    return control.schema()


@router.get("/api/cameras/{camera_id}/config", response_model=ConfigVersionOut)
def get_config(camera_id: str, principal: PrincipalDep, sessions: SessionsDep) -> ConfigVersionOut:
    _require_reader(principal, camera_id)
    with sessions() as session:
        return ConfigVersionOut.from_view(_latest(session, camera_id))


@router.get("/api/cameras/{camera_id}/config/versions", response_model=list[ConfigVersionOut])
def get_versions(
    camera_id: str, principal: PrincipalDep, sessions: SessionsDep
) -> list[ConfigVersionOut]:
    """Every version, newest first."""
    _require_reader(principal, camera_id)
    with sessions() as session:
        return [ConfigVersionOut.from_view(view) for view in list_versions(session, camera_id)]


@router.put("/api/cameras/{camera_id}/config", response_model=ConfigVersionOut)
def put_config(
    camera_id: str,
    body: ConfigIn,
    principal: PrincipalDep,
    sessions: SessionsDep,
    control: ControlDep,
) -> ConfigVersionOut:
    """Store the configuration as the next version and run it now (unchanged: nothing stored)."""
    _require_writer(principal, camera_id)
    config = _validated(control, body.config, camera_id)
    with _answers(), sessions.begin() as session:
        latest = _latest(session, camera_id)
        return _replace(
            session,
            principal,
            control,
            latest,
            config,
            VersionKind.EDITED,
            note=body.note,
            base_version=body.base_version,
        )


@router.post("/api/cameras/{camera_id}/config/rollback", response_model=ConfigVersionOut)
def rollback_config(
    camera_id: str,
    body: RollbackIn,
    principal: PrincipalDep,
    sessions: SessionsDep,
    control: ControlDep,
) -> ConfigVersionOut:
    """Run an old version again, stored as a new version equal to it."""
    _require_writer(principal, camera_id)
    with _answers(), sessions.begin() as session:
        latest = _latest(session, camera_id)
        target = get_version(session, camera_id, body.version)
        if target is None:
            raise HTTPException(404, f"camera {camera_id!r} has no version {body.version}")
        config = _validated(control, target.config, camera_id)
        return _replace(
            session,
            principal,
            control,
            latest,
            config,
            VersionKind.ROLLED_BACK,
            note=body.note,
            rolled_back_to=body.version,
        )


def _replace(
    session: Session,
    principal: Principal,
    control: CameraControl,
    latest: ConfigVersion,
    config: dict[str, Any],
    kind: VersionKind,
    **version_fields: Any,
) -> ConfigVersionOut:
    """Store `config` as the camera's next version and run it (unchanged: nothing stored)."""
    camera_id = latest.camera_id
    changed = changed_sections(latest.config, config)
    if not changed:
        return ConfigVersionOut.from_view(latest)
    _sync_camera_row(session, principal, camera_id, config, changed)
    action = "camera_rollback" if kind is VersionKind.ROLLED_BACK else edit_action(changed)
    version = save_version(
        session, camera_id, config, principal.actor, kind, action, **version_fields
    )
    _apply(control, camera_id, config)
    return ConfigVersionOut.from_view(version)


@router.post("/api/cameras", response_model=ConfigVersionOut, status_code=201)
def post_camera(
    body: NewCameraIn, principal: PrincipalDep, sessions: SessionsDep, control: ControlDep
) -> ConfigVersionOut:
    """Add a camera: its row, version 1 and a running camera."""
    require_permission(principal, Permission.MANAGE_CAMERAS)
    config = _validated(control, body.config, None)
    _require_facility(principal, config)
    camera_id = str(config["id"])
    with _answers(), sessions.begin() as session:
        add_camera(session, camera_id, *_row_fields(config))
        version = save_version(
            session,
            camera_id,
            config,
            principal.actor,
            VersionKind.CREATED,
            "camera_add",
            note=body.note,
        )
        _apply(control, camera_id, config)
    return ConfigVersionOut.from_view(version)


@router.post("/api/cameras/test", response_class=Response, responses=JPEG)
def try_source(
    body: SourceIn, principal: PrincipalDep, sessions: SessionsDep, control: ControlDep
) -> Response:
    """Open a source that is not saved yet and answer one picture from it (422: why not).

    Only files under the video folders and camera URLs are opened; every test is audited
    with what it named (a URL without its password) and how it went.
    """
    require_permission(principal, Permission.MANAGE_CAMERAS)
    try:
        jpeg = control.test_source(body.source)
    except ValueError as error:
        _audit_test(sessions, principal, body, str(error))
        raise HTTPException(422, str(error)) from None
    _audit_test(sessions, principal, body, "ok")
    return Response(jpeg, media_type="image/jpeg", headers=NO_STORE)


def _audit_test(
    sessions: sessionmaker[Session], principal: Principal, body: SourceIn, result: str
) -> None:
    detail = {
        "type": str(body.source.get("type"))[:32],
        "source": source_label(body.source),
        "result": result[:RESULT_MAX_CHARS],
    }
    kind = "camera" if body.camera_id else "source"
    audit(sessions, principal.actor, "camera_source_test", kind, body.camera_id, detail)


@router.get("/api/cameras/{camera_id}/snapshot.jpg", response_class=Response, responses=JPEG)
def snapshot(camera_id: str, principal: PrincipalDep, control: ControlDep) -> Response:
    """The camera's newest picture without overlays: what zones are drawn on."""
    _require_reader(principal, camera_id)
    jpeg = control.snapshot(camera_id)
    if jpeg is None:
        raise HTTPException(404, f"no picture from camera {camera_id!r} yet")
    return Response(jpeg, media_type="image/jpeg", headers=NO_STORE)


@router.post("/api/cameras/{camera_id}/replay", response_model=ReplayResult)
def replay(
    camera_id: str,
    body: ReplayIn,
    principal: PrincipalDep,
    sessions: SessionsDep,
    control: ControlDep,
    config: ConfigDep,
    media_root: MediaRootDep,
) -> ReplayResult:
    """What the proposed configuration would fire on the camera's newest event clips."""
    _require_writer(principal, camera_id)
    proposed = _validated(control, body.config, camera_id)
    with sessions() as session:
        recorded = recorded_clips(session, camera_id, config.replay_max_clips)
    clips = [clip for clip in (_replay_clip(media_root, c) for c in recorded) if clip]
    try:
        result = control.replay(camera_id, proposed, clips)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    detail = {"clips": len(clips), **result.counts}
    audit(sessions, principal.actor, "camera_replay", "camera", camera_id, detail)
    return result


def _not_found(camera_id: str) -> HTTPException:
    return HTTPException(404, f"camera {camera_id!r} not found")


def _require_reader(principal: Principal, camera_id: str) -> None:
    if not can_read_camera(principal.scope, camera_id):
        raise _not_found(camera_id)
    if not has_permission(principal.scope, Permission.CHANGE_THRESHOLDS):
        raise HTTPException(403, f"a {principal.scope.role} may not read camera configurations")


def _require_writer(principal: Principal, camera_id: str) -> None:
    if not can_read_camera(principal.scope, camera_id):
        raise _not_found(camera_id)
    require_permission(principal, Permission.CHANGE_THRESHOLDS)


def _require_facility(principal: Principal, config: Mapping[str, Any]) -> None:
    facility = config.get("facility")
    if not isinstance(facility, str) or not can_manage_cameras(principal.scope, facility):
        raise HTTPException(422, f"facility: unknown facility {facility!r}")


def _latest(session: Session, camera_id: str) -> ConfigVersion:
    latest = latest_version(session, camera_id)
    if latest is None:
        raise HTTPException(404, f"camera {camera_id!r} has no stored configuration")
    return latest


def _validated(
    control: CameraControl, config: Mapping[str, Any], camera_id: str | None
) -> dict[str, Any]:
    try:
        valid = control.validate(config)
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    if camera_id is not None and valid.get("id") != camera_id:
        raise HTTPException(422, f"id: a camera's id cannot change (this is {camera_id!r})")
    return valid


def _row_fields(config: Mapping[str, Any]) -> tuple[str, str, str]:
    """(facility, name, source type) of a validated configuration: its camera row."""
    return str(config["facility"]), str(config["name"]), str(config["source"]["type"])


def _sync_camera_row(
    session: Session,
    principal: Principal,
    camera_id: str,
    config: Mapping[str, Any],
    changed: list[str],
) -> None:
    if not CAMERA_FIELDS & set(changed):
        return
    require_permission(principal, Permission.MANAGE_CAMERAS)
    _require_facility(principal, config)
    update_camera(session, camera_id, *_row_fields(config))


def _apply(control: CameraControl, camera_id: str, config: Mapping[str, Any]) -> None:
    # Inside the transaction: a camera that refuses the configuration leaves no version.
    control.apply(camera_id, config)


def _replay_clip(media_root: Path, clip: RecordedClip) -> ReplayClip | None:
    file = (media_root / clip.clip_path).resolve()
    if not file.is_relative_to(media_root):
        return None
    return ReplayClip(clip.event_id, clip.clip_path, file, clip.start_epoch_s)


@contextmanager
def _answers() -> Iterator[None]:
    """Store and camera errors as HTTP answers (the transaction inside has rolled back)."""
    try:
        yield
    except ConfigConflict as error:
        raise HTTPException(409, str(error)) from None
    except IntegrityError:
        raise HTTPException(409, "the camera changed at the same moment; reload") from None
    except LookupError as error:
        raise HTTPException(404, str(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
