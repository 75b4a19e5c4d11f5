"""The dashboard application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dashboard.camera_control import CameraControl
from dashboard.config import DashboardConfig
from dashboard.deps import AppContext
from dashboard.inspection_deps import InspectionSetup
from dashboard.live import LiveFeed
from dashboard.metrics import MetricsSource, metrics_registry
from dashboard.peers import PeerRegistry
from dashboard.routes import (
    audit_log,
    auth,
    camera_admin,
    cameras,
    checklists,
    events,
    facilities,
    hazards,
    holds,
    incidents,
    inspections,
    kpis,
    media,
    nodes,
    overview,
    pages,
    push_links,
    reports,
    throttles,
    timeline,
)
from dashboard.routes import live as live_video
from dashboard.routes import metrics as metrics_route
from dashboard.routes.pages import STATIC_DIR
from dashboard.security_headers import SecurityHeaders
from dashboard.service_health import HealthSource
from dashboard.throttle import SignInThrottle
from dashboard.unavailable import add_database_unavailable_handler
from supervision.config import InspectionConfig
from supervision.district.objects import ObjectStore
from supervision.events.store import EventStore
from supervision.push.links import LinkSigner


def create_app(
    config: DashboardConfig,
    store: EventStore,
    live: LiveFeed,
    media_root: Path,
    inspection: InspectionConfig | None = None,
    camera_control: CameraControl | None = None,
    metrics: MetricsSource | None = None,
    link_signer: LinkSigner | None = None,
    health: HealthSource | None = None,
    objects: ObjectStore | None = None,
) -> FastAPI:
    """Build the web app over a store, a live feed and the folder snapshots and clips live in.

    `inspection` names checklists and hazard deadlines (defaults when None); a bad checklist
    file fails here, at start-up. `camera_control` serves the operator's camera pages (they
    answer 503 without it). `metrics` gives /metrics the analysis figures (without it:
    camera health and process figures only). `health` gives /api/health, /metrics and the
    dashboard's banner the service's own problems (database, spool, disk). `objects` (a
    district centre's object store) serves media that sites recorded.
    """
    context = AppContext(
        config=config,
        store=store,
        live=live,
        media_root=media_root.resolve(),
        peers=PeerRegistry(live, fps=config.live_fps, ice_servers=config.ice_servers),
        camera_control=camera_control,
        metrics=metrics_registry(live, metrics, health),
        link_signer=link_signer,
        health=health,
        throttle=SignInThrottle(config.sign_in),
        objects=objects,
    )
    store.on_change(context.changes.notify)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context.closing.set()
            await context.peers.close_all()

    # No /docs or /redoc: FastAPI's pages load Swagger UI and ReDoc from a CDN (nothing may
    # download at run time) with inline script (the CSP refuses it); /openapi.json stays.
    app = FastAPI(title="carewatch", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.context = context
    app.state.inspections = InspectionSetup.load(inspection)
    # holds before events: the events router's /{event_id}/{action} would take /hold.
    routers = (auth, cameras, facilities, holds, events, incidents, kpis, live_video, media, pages)
    inspector = (overview, nodes, timeline, audit_log, reports, push_links, throttles)
    app.include_router(metrics_route.router)
    for module in (*routers, checklists, inspections, hazards, camera_admin, *inspector):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    add_database_unavailable_handler(app)
    app.add_middleware(SecurityHeaders)
    # Outermost, so that everything inside sees the client and scheme the proxy saw; here
    # rather than in uvicorn, so that tests and every server read the same `trusted_proxies`.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(config.trusted_proxies))
    return app
