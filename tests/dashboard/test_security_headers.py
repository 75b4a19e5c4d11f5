"""Security headers on every response; Secure cookies and client addresses behind a proxy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.events.store import EventStore
from tests.dashboard.conftest import PASSWORD, LiveServer, serving

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/static/js/main.js", 200),
        ("/static/app.css", 200),
        ("/api/health", 200),
        ("/api/events", 200),
        ("/api/auth/throttles", 403),
        ("/api/events/999999", 404),
        ("/api/no-such-route", 404),
    ],
)
def test_every_response_carries_the_security_headers(
    client: TestClient, path: str, status: int
) -> None:
    answer = client.get(path)
    assert answer.status_code == status
    assert {name: answer.headers.get(name) for name in HEADERS} == HEADERS


def test_a_refused_sign_in_and_a_stream_carry_them_too(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        refused = http.post("/api/auth/login", json={"username": "x", "password": "y"})
        with http.stream("GET", "/api/events/stream", headers=live_server.headers) as stream:
            streamed = stream.headers
    assert refused.status_code == 401
    for headers in (refused.headers, streamed):
        assert {name: headers.get(name) for name in HEADERS} == HEADERS


@pytest.mark.parametrize(("trusted", "secure"), [(("127.0.0.1",), True), ((), False)])
def test_the_cookie_is_secure_only_when_a_trusted_proxy_says_https(
    store: EventStore,
    media_root: Path,
    tokens: dict[str, str],
    client_as: Callable[[str], TestClient],
    trusted: tuple[str, ...],
    secure: bool,
) -> None:
    config = DashboardConfig(trusted_proxies=trusted)
    app = create_app(config, store, StaticLiveFeed(), media_root)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        plain = http.post("/api/auth/login", json={"username": "officer-1", "password": PASSWORD})
        answer = http.post(
            "/api/auth/login",
            json={"username": "officer-1", "password": PASSWORD},
            headers=forwarded,
        )

    assert (plain.status_code, answer.status_code) == (200, 200)
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert ("; secure" in answer.headers["set-cookie"].lower()) is secure
    # The address audited (and throttled) is the proxy's client only when it is trusted.
    rows = client_as("admin").get("/api/audit", params={"action": "login"}).json()
    assert rows[0]["detail"]["ip"] == ("203.0.113.9" if secure else "127.0.0.1")


def test_a_spoofed_forwarded_for_does_not_dodge_throttling(
    store: EventStore, media_root: Path, tokens: dict[str, str]
) -> None:
    app = create_app(DashboardConfig(trusted_proxies=()), store, StaticLiveFeed(), media_root)
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        codes = [
            http.post(
                "/api/auth/login",
                json={"username": "officer-1", "password": f"guess {n}"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
            for n in range(7)
        ]
    assert codes == [401] * 5 + [429] * 2
