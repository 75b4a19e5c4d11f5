"""Cameras that are unplugged and come back (file, MJPEG over HTTP, RTSP from GStreamer's
server): each is marked offline and back online without a restart, and every fall that
reached the service while it was up is stored once, with its clip."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from tests.conftest import SQLITE_PASS_ONLY
from tests.faults.cameras import MjpegCamera, RtspCamera
from tests.faults.conftest import file_camera, service_config
from tests.faults.report import record
from tests.faults.service import ServiceProcess, free_port, stored_events, wait_for

pytestmark = [SQLITE_PASS_ONLY]


def _states(client: httpx.Client) -> dict[str, str]:
    return {camera["id"]: camera["state"] for camera in client.get("/api/cameras").json()}


def _falls_with_clips(client: httpx.Client) -> dict[str, int]:
    events = client.get("/api/events", params={"limit": 100}).json()
    counts: dict[str, int] = {}
    for event in events:
        if event["type"] == "fall" and event.get("clip_url"):
            counts[event["camera_id"]] = counts.get(event["camera_id"], 0) + 1
    return counts


def test_cameras_flap_and_come_back(fall_videos: dict[str, Path], tmp_path: Path) -> None:
    video = fall_videos["one_per_session"]
    rtsp, mjpeg = RtspCamera(video, free_port()), MjpegCamera(video, free_port())
    plugged = tmp_path / "camera.mp4"
    url = f"sqlite:///{tmp_path}/data/carewatch.db"
    network = {"open_timeout_s": 2}
    cameras = [
        file_camera("room-file", plugged),
        {**file_camera("room-rtsp", video), "source": {"type": "url", "url": rtsp.url, **network}},
        {**file_camera("room-http", video), "source": {"type": "url", "url": mjpeg.url, **network}},
    ]
    service = ServiceProcess(tmp_path, service_config(tmp_path / "data", url, cameras))
    service.add_admin()
    service.start()
    try:
        with service.signed_in() as client:
            everyone = {"room-file", "room-rtsp", "room-http"}
            wait_for(lambda: set(_states(client).values()) == {"offline"}, 30, "all offline")
            shutil.copy(fall_videos["early"], plugged)
            rtsp.start()
            mjpeg.start()
            wait_for(lambda: _falls_with_clips(client).keys() == everyone, 60, "3 falls")
            rtsp.stop()  # unplugged mid-stream
            mjpeg.stop()
            wait_for(
                lambda: _states(client)["room-rtsp"] == _states(client)["room-http"] == "offline",
                30,
                "network cameras offline",
            )
            rtsp.start()
            mjpeg.start()
            wait_for(
                lambda: (
                    _falls_with_clips(client) == {"room-file": 1, "room-rtsp": 2, "room-http": 2}
                ),
                60,
                "a fall on each network camera after it came back",
            )
            offline = {camera for camera, _ in stored_events(url, "camera_offline")}
        assert offline == everyone
        stored = stored_events(url)
        assert len({key for _, key in stored}) == len(stored) == 5
        assert service.alive() and service.starts == 1
    finally:
        rtsp.stop()
        mjpeg.stop()
        assert service.stop() == 0
    record("camera flaps (file, HTTP MJPEG, RTSP)", produced=5, stored=stored)
