"""Schemathesis against the OpenAPI description: no 5xx, and nothing of fac-1 reaches outsiders."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation, BaseSchema

from tests.pdf_text import pdf_text

# Strings that only fac-1's rows carry (tests/conftest.py and tests/dashboard/conftest.py).
FAC1_MARKERS = ("cam-1", "cam-2", "fac-1", "Sunrise Home", "Corridor", "Room 101", "Drum Tower")
EXAMPLES_PER_OPERATION = 10
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: a red CI run can be reproduced
    database=None,
)


@pytest.fixture
def api_schema(
    app: FastAPI, tokens: dict[str, str], record_with_media: Callable[..., int]
) -> BaseSchema:
    """The app's own schema, over the tree of `tokens` with events of both facilities."""
    for camera_id in ("cam-1", "cam-2", "cam-9", "cam-9"):
        record_with_media(camera_id=camera_id)
    # Endless streams cannot be fuzzed request by request; signing out would end the session.
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(
        path_regex=r"/(stream|mjpeg|logout)$"
    )


def _operations(schema: BaseSchema) -> list[APIOperation]:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30  # the whole API, not an empty or broken schema
    return operations


def _shown_text(content: bytes) -> str:
    """What a response shows, whitespace removed: a PDF's drawn text, else the decoded body."""
    text = pdf_text(content) if content.startswith(b"%PDF") else content.decode("utf-8", "replace")
    return "".join(text.split())


def _fuzz(operation: APIOperation, mode: GenerationMode, token: str, outsider: bool) -> None:
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error])
        if outsider and response.status_code < 300:
            shown = _shown_text(response.content)
            leaked = [marker for marker in FAC1_MARKERS if "".join(marker.split()) in shown]
            assert leaked == [], f"{case.method} {case.formatted_path} showed {leaked}"

    try:
        call()
    except Unsatisfiable:
        # No input to make invalid (an operation without parameters or body): nothing to do.
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.parametrize(
    ("user", "outsider"),
    [("officer-2", True), ("street-2", True), ("admin", False)],
    ids=["officer of another facility", "inspector of another street", "administrator"],
)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation(
    api_schema: BaseSchema,
    tokens: dict[str, str],
    user: str,
    outsider: bool,
    mode: GenerationMode,
) -> None:
    for operation in _operations(api_schema):
        _fuzz(operation, mode, tokens[user], outsider)
