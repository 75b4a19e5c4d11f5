"""A WAN link that can be cut or slowed: a TCP relay between a site and a district server."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress

from carewatch.district.servers import free_port


class WanLink:
    """Relays 127.0.0.1:`port` to `target_port`; `cut()` drops every connection and refuses new
    ones until `restore()` (as a dead WAN does), on the same port. With `up_bytes_per_s`, what
    goes up is slowed to that rate; `requests` holds the HTTP request lines it carried up, each
    with the bytes sent up before it."""

    def __init__(self, target_port: int, up_bytes_per_s: float | None = None) -> None:
        self.port = free_port()
        self._target_port = target_port
        self.up_bytes_per_s = up_bytes_per_s
        self.sent_up = 0  # bytes
        self.requests: list[tuple[str, int]] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        for sock in [s for s in (listener,) if s is not None] + sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                near, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                far = socket.create_connection(("127.0.0.1", self._target_port))
            except OSError:
                near.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    near.close()
                    far.close()
                    return
                self._sockets += [near, far]
            threading.Thread(target=self._up, args=(near, far), daemon=True).start()
            threading.Thread(target=_pipe, args=(far, near), daemon=True).start()

    def _up(self, source: socket.socket, sink: socket.socket) -> None:
        chunk = 65536 if self.up_bytes_per_s is None else 4096
        with suppress(OSError):
            while data := source.recv(chunk):
                for line in data.split(b"\r\n"):
                    if line.startswith((b"PUT /", b"GET /", b"POST /", b"HEAD /")):
                        self.requests.append((line.decode(errors="replace"), self.sent_up))
                if self.up_bytes_per_s is not None:
                    time.sleep(len(data) / self.up_bytes_per_s)
                sink.sendall(data)
                self.sent_up += len(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
