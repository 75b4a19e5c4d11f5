"""Pages: the single-page dashboard and a health probe."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from dashboard.deps import get_context
from dashboard.schemas.pages import HealthOut, ProblemOut

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(tags=["pages"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/api/health", response_model=HealthOut)
def health(request: Request) -> HealthOut:
    """Never touches the database (a hung one must not hang the probe); no sign-in needed."""
    source = get_context(request).health
    problems = [] if source is None else source.problems()
    return HealthOut(
        status="degraded" if problems else "ok",
        problems=[
            ProblemOut(kind=p.kind, since=datetime.fromtimestamp(p.since_s, UTC), waiting=p.waiting)
            for p in problems
        ],
    )
