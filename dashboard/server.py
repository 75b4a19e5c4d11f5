"""Serving the dashboard app with uvicorn."""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from dashboard.config import DashboardConfig
from dashboard.deps import AppContext


class DashboardServer(uvicorn.Server):
    """A uvicorn server that ends the app's live streams before it waits for connections.

    Plain uvicorn would wait for every open event stream and MJPEG view (they never end by
    themselves) until `shutdown_grace_s` runs out, and then cancel them with a traceback.
    """

    def __init__(self, app: FastAPI, config: DashboardConfig, log_level: str = "info") -> None:
        super().__init__(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                log_level=log_level,
                timeout_graceful_shutdown=config.shutdown_grace_s,
                # The app reads proxy headers itself, from `trusted_proxies` (dashboard/app.py).
                proxy_headers=False,
            )
        )
        self._context: AppContext = app.state.context

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._context.closing.set()
        await super().shutdown(sockets=sockets)
