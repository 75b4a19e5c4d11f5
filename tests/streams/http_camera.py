"""A local HTTP camera for tests: video files as a web server serves them, and MJPEG at a rate."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import av

from streams.ringbuffer import encode_jpeg
from tests.streams.videos import moving_box


def write_web_video(path: Path, frame_count: int, fps: int, keyframe_every: int = 10) -> Path:
    """A small H.264 MP4 with its index first, as video is put on web servers (faststart):
    Python's server answers no range requests, so FFmpeg cannot seek to an index at the end."""
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        options = {"g": str(keyframe_every), "keyint_min": str(keyframe_every)}
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(frame_count):
            frame = av.VideoFrame.from_ndarray(moving_box(index, (64, 48)), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


class _Handler(SimpleHTTPRequestHandler):
    """Files of the folder; /mjpeg?fps=N: an endless multipart JPEG stream at N frames a second."""

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != "/mjpeg":
            super().do_GET()
            return
        fps = float(parse_qs(url.query).get("fps", ["10"])[0])
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        self._send_mjpeg(fps)

    def _send_mjpeg(self, fps: float) -> None:
        next_s = time.monotonic()
        for index in range(100_000):
            jpeg = encode_jpeg(moving_box(index, (64, 48)), 80)
            head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            try:
                self.wfile.write(head.encode("ascii") + jpeg + b"\r\n")
            except OSError:  # the camera reader hung up
                return
            next_s += 1.0 / fps
            time.sleep(max(0.0, next_s - time.monotonic()))

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def http_camera(folder: Path) -> Iterator[str]:
    """Serves `folder` (and /mjpeg) on a free local port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=folder))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="http-camera", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
