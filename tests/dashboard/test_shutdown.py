"""Shutdown: endless responses (SSE, MJPEG) end promptly and cleanly when the server stops."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator

import httpx
import pytest
from fastapi import FastAPI

from dashboard.config import DashboardConfig
from dashboard.server import DashboardServer
from dashboard.shutdown import until_closed
from tests.dashboard.conftest import free_port


async def _numbers(count: int) -> AsyncGenerator[int, None]:
    for n in range(count):
        yield n


async def _pass_on(count: int, close_after: int | None) -> list[int]:
    closing = asyncio.Event()
    seen: list[int] = []
    async for n in until_closed(_numbers(count), closing):
        seen.append(n)
        if close_after is not None and len(seen) == close_after:
            closing.set()
    return seen


@pytest.mark.parametrize(
    ("count", "close_after", "expected"),
    [(0, None, []), (3, None, [0, 1, 2]), (5, 2, [0, 1]), (5, 1, [0])],
    ids=["empty", "never-closed", "closed-midway", "closed-first"],
)
def test_until_closed(count: int, close_after: int | None, expected: list[int]) -> None:
    assert asyncio.run(_pass_on(count, close_after)) == expected


def _read_all(
    url: str, headers: dict[str, str], ended: list[str], reading: threading.Semaphore
) -> None:
    try:
        with httpx.stream("GET", url, headers=headers, timeout=10) as response:
            if response.status_code != 200:
                ended.append(f"status {response.status_code}")
                return
            for _ in response.iter_bytes():
                reading.release()  # the response is streaming: the server may stop now
        ended.append("clean")
    except httpx.HTTPError as exc:
        ended.append(type(exc).__name__)


def test_server_stops_promptly_with_open_streams(app: FastAPI, tokens: dict[str, str]) -> None:
    server = DashboardServer(app, DashboardConfig(port=free_port()), log_level="warning")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{server.config.port}"
    ended: list[str] = []
    reading = threading.Semaphore(0)
    headers = {"Authorization": f"Bearer {tokens['officer-1']}"}
    readers = [
        threading.Thread(target=_read_all, args=(base + path, headers, ended, reading), daemon=True)
        for path in ("/api/events/stream", "/api/cameras/cam-1/mjpeg")
    ]
    for reader in readers:
        reader.start()
    for _ in readers:  # each has had its first bytes (a busy machine may take a while)
        assert reading.acquire(timeout=10)

    started_s = time.monotonic()
    server.should_exit = True
    thread.join(timeout=10)
    for reader in readers:
        reader.join(timeout=5)

    assert not thread.is_alive()
    assert time.monotonic() - started_s < 1.5  # well inside the 2 s grace
    assert ended == ["clean", "clean"]
