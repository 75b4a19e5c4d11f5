"""No coroutine of the dashboard touches the database itself: a hung database would stop the
event loop, and with it every request (the health probe included)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Calls that open a database session or write in one; from a coroutine they go through
# run_in_threadpool (the function passed, never called).
BLOCKING = {"audit", "append_audit", "readable_event", "begin", "sessions", "write_session"}


def _own_calls(function: ast.AsyncFunctionDef) -> Iterator[ast.Call]:
    """The calls in `function`'s own body (not in functions defined inside it)."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _blocking_calls(source: str) -> Iterator[tuple[str, int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AsyncFunctionDef):
            for call in _own_calls(node):
                if _name(call) in BLOCKING:
                    yield node.name, call.lineno, _name(call)


def test_coroutines_leave_the_database_to_worker_threads() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} {function}() calls {name}()"
        for path in sorted((ROOT / "dashboard").rglob("*.py"))
        for function, line, name in _blocking_calls(path.read_text())
    ]
    assert not found, "\n".join(found)


def test_the_check_finds_a_blocking_call() -> None:
    wrong = "async def offer(sessions):\n    audit(sessions, 'root', 'live_view')\n"
    right = "async def offer(sessions):\n    await run_in_threadpool(audit, sessions, 'root')\n"
    assert [name for *_, name in _blocking_calls(wrong)] == ["audit"]
    assert not list(_blocking_calls(right))
