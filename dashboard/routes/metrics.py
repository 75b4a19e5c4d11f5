"""`/metrics` for Prometheus: the service's figures, behind a static Bearer token when set.

Prometheus scrapes with `authorization: {credentials: <token>}` (or `credentials_file`);
user session tokens expire, so the scraper has its own secret, `metrics_token`. Without one
the route is open, like most exporters: it names cameras and counts frames, nothing else.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dashboard.deps import ConfigDep, get_context

router = APIRouter(tags=["metrics"])
_UNAUTHORISED_HEADERS = {"WWW-Authenticate": 'Bearer realm="carewatch-metrics"'}


def _check_token(request: Request, config: ConfigDep) -> None:
    if config.metrics_token is None:
        return
    expected = config.metrics_token.get_secret_value().encode()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = value.strip().encode() if scheme.lower() == "bearer" else b""
    if not hmac.compare_digest(given, expected):  # constant time: no guessing by timing
        raise HTTPException(401, "metrics token required", headers=_UNAUTHORISED_HEADERS)


# Not in the OpenAPI description: Prometheus' text format, not the JSON API.
@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, config: ConfigDep) -> Response:
    _check_token(request, config)
    registry = get_context(request).metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
