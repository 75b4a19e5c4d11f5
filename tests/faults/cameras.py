"""Network cameras a test can unplug: an RTSP server (GStreamer) and an MJPEG-over-HTTP one."""

from __future__ import annotations

import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import cv2

SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the venv does not
BOUNDARY = "carewatchframe"


class RtspCamera:
    """rtsp://127.0.0.1:port/camera playing `video` from its start to each new client."""

    def __init__(self, video: Path, port: int) -> None:
        self.video = video
        self.port = port
        self.url = f"rtsp://127.0.0.1:{port}/camera"
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        script = Path(__file__).with_name("rtsp_server.py")
        self._process = subprocess.Popen(
            [SYSTEM_PYTHON, str(script), str(self.port), str(self.video)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        assert self._process.stdout.readline().strip() == "ready", "RTSP server did not start"

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None


class MjpegCamera:
    """http://127.0.0.1:port/video: `video`'s pictures as multipart JPEG at its frame rate,
    from the start for each client (as an IP camera's MJPEG endpoint serves them)."""

    def __init__(self, video: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/video"
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            self.fps = float(stream.average_rate or 15)
            self.jpegs = [
                _jpeg(frame.to_ndarray(format="bgr24")) for frame in container.decode(stream)
            ]
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace;boundary={BOUNDARY}")
                self.end_headers()
                camera.stream_to(self)

            def log_message(self, *args: object) -> None:
                pass

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stream_to(self, handler: BaseHTTPRequestHandler) -> None:
        started = time.monotonic()
        for index, jpeg in enumerate(self.jpegs):
            if self._stopping.is_set():
                return
            delay_s = started + index / self.fps - time.monotonic()
            if delay_s > 0:
                time.sleep(delay_s)
            head = (
                f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            )
            try:
                handler.wfile.write(head.encode() + jpeg + b"\r\n")
            except OSError:
                return

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _jpeg(picture: object) -> bytes:
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(data)
