"""The dashboard application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from dashboard.config import DashboardConfig
from dashboard.deps import AppContext
from dashboard.live import LiveFeed
from dashboard.peers import PeerRegistry
from dashboard.routes import cameras, events, holds, kpis, media, pages
from dashboard.routes import live as live_video
from dashboard.routes.pages import STATIC_DIR
from supervision.store import EventStore


def create_app(
    config: DashboardConfig, store: EventStore, live: LiveFeed, media_root: Path
) -> FastAPI:
    """Build the web app over a store, a live feed and the folder snapshots and clips live in."""
    context = AppContext(
        config=config,
        store=store,
        live=live,
        media_root=media_root.resolve(),
        peers=PeerRegistry(live, fps=config.live_fps, ice_servers=config.ice_servers),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.closing.set()
            await context.peers.close_all()

    app = FastAPI(title="carewatch", lifespan=lifespan)
    app.state.context = context
    # holds before events: the events router's /{event_id}/{action} would take /hold.
    for module in (cameras, holds, events, kpis, live_video, media, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
