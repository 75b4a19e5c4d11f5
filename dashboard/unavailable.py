"""A locked or unreachable database: HTTP 503 with a one-line reason, logged as one line."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from supervision.trouble import first_line

RETRY_AFTER_S = 5
log = logging.getLogger(__name__)


def add_database_unavailable_handler(app: FastAPI) -> None:
    """Answer 503 for a database error that a later try may not meet (lock, connection, pool)."""
    for error in (OperationalError, PoolTimeoutError):
        app.add_exception_handler(error, database_unavailable)


def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    reason = one_line_reason(error)
    # One line, no traceback: the reason is all an operator can act on.
    log.warning("%s %s: database unavailable: %s", request.method, request.url.path, reason)
    return JSONResponse(
        {"detail": f"database unavailable: {reason}"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def one_line_reason(error: Exception) -> str:
    """The driver's message ("database is locked"), first line, without SQLAlchemy's links."""
    return first_line(getattr(error, "orig", None) or error)
