"""Request dependencies: the shared parts a route needs, typed with `Annotated`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry

from dashboard.camera_control import CameraControl
from dashboard.config import DashboardConfig
from dashboard.feed import ChangeSignal
from dashboard.live import LiveFeed
from dashboard.peers import PeerRegistry
from dashboard.service_health import HealthSource
from dashboard.throttle import SignInThrottle
from supervision.district.objects import ObjectStore
from supervision.events.store import EventStore
from supervision.push.links import LinkSigner


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything `create_app` was given, kept on `app.state.context`."""

    config: DashboardConfig
    store: EventStore
    live: LiveFeed
    media_root: Path
    peers: PeerRegistry
    # The running cameras' configuration (the operator pages); None where nothing runs them.
    camera_control: CameraControl | None = None
    # What /metrics exposes: the service's figures and this process's (dashboard.metrics).
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Set when the server begins to shut down; endless responses (SSE, MJPEG) then finish.
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    # Set off by the store's commits, so the event stream pushes them without a poll's delay.
    changes: ChangeSignal = field(default_factory=ChangeSignal)
    # Checks the expiring snapshot links pushed to phone groups; None: no such links.
    link_signer: LinkSigner | None = None
    # Who may try a password now (per address, per account); kept in memory, per process.
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # The service's own problems (database, spool, disk); None: nothing to report.
    health: HealthSource | None = None
    # A district's object store: media a site recorded, fetched into media_root on first read.
    objects: ObjectStore | None = None


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def get_config(request: Request) -> DashboardConfig:
    return get_context(request).config


def get_store(request: Request) -> EventStore:
    return get_context(request).store


def get_live(request: Request) -> LiveFeed:
    return get_context(request).live


def get_media_root(request: Request) -> Path:
    return get_context(request).media_root


def get_objects(request: Request) -> ObjectStore | None:
    return get_context(request).objects


def get_peers(request: Request) -> PeerRegistry:
    return get_context(request).peers


def get_closing(request: Request) -> asyncio.Event:
    return get_context(request).closing


def get_changes(request: Request) -> ChangeSignal:
    return get_context(request).changes


def get_link_signer(request: Request) -> LinkSigner | None:
    return get_context(request).link_signer


def get_throttle(request: Request) -> SignInThrottle:
    return get_context(request).throttle


ConfigDep = Annotated[DashboardConfig, Depends(get_config)]
StoreDep = Annotated[EventStore, Depends(get_store)]
LiveDep = Annotated[LiveFeed, Depends(get_live)]
MediaRootDep = Annotated[Path, Depends(get_media_root)]
ObjectsDep = Annotated[ObjectStore | None, Depends(get_objects)]
PeersDep = Annotated[PeerRegistry, Depends(get_peers)]
ClosingDep = Annotated[asyncio.Event, Depends(get_closing)]
ChangesDep = Annotated[ChangeSignal, Depends(get_changes)]
LinkSignerDep = Annotated[LinkSigner | None, Depends(get_link_signer)]
ThrottleDep = Annotated[SignInThrottle, Depends(get_throttle)]
