"""The single page and its own static assets (no third-party or CDN files)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from dashboard.routes.pages import STATIC_DIR


def test_index_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>carewatch</title>" in response.text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/app.css", "text/css"),
        ("/static/js/main.js", "text/javascript"),
        ("/static/js/missing.js", None),
    ],
)
def test_static_assets(client: TestClient, path: str, content_type: str | None) -> None:
    response = client.get(path)
    if content_type is None:
        assert response.status_code == 404
    else:
        assert response.headers["content-type"].startswith(content_type)


def test_assets_load_nothing_from_elsewhere() -> None:
    external = re.compile(r"""(src|href)=["']https?:|import\s.*["']https?:|url\(["']?https?:""")
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            assert not external.search(path.read_text()), path


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/events", "/api/events/stream", "/api/cameras/{camera_id}/webrtc"} <= set(paths)
