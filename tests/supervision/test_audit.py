"""Audit hash chain: appends (also concurrent ones) verify; edits, deletions and moves do not."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from supervision.audit.chain import GENESIS_HASH, AuditReport, append_audit, row_hash, verify_audit
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, session_factory
from supervision.tables import AuditEntry, Base

ROWS = 6


def _append_rows(sessions: sessionmaker[Session], count: int = ROWS) -> None:
    for index in range(count):
        with sessions.begin() as session:
            append_audit(
                session,
                actor=f"user-{index % 2}",
                action="threshold.change",
                object_type="camera",
                object_id="cam-1",
                detail={"field": "fall.min_score", "from": 0.5, "to": index / 100, "n": index},
            )


def _tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_empty_log_is_intact(engine: Engine) -> None:
    assert verify_audit(engine) == AuditReport(rows_checked=0, last_seq=0)


def test_appended_rows_chain_and_verify(engine: Engine, sessions: sessionmaker[Session]) -> None:
    _append_rows(sessions)
    report = verify_audit(engine)
    assert report.ok and (report.rows_checked, report.last_seq) == (ROWS, ROWS)
    assert report.describe() == f"audit log intact: {ROWS} rows, last seq {ROWS}"
    with sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert rows[2].detail == {"field": "fall.min_score", "from": 0.5, "to": 0.02, "n": 2}


def _rehash_row_3(engine: Engine) -> None:
    # A careful forger: edits row 3 and recomputes its hash, but cannot fix the rows after it.
    with Session(engine) as session:
        row = session.get_one(AuditEntry, 3)
        forged = row_hash(
            3,
            row.at,
            "mallory",
            row.action,
            row.object_type,
            row.object_id,
            row.detail,
            row.prev_hash,
        )
    _tamper(engine, f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' WHERE seq = 3")


TAMPERING = {
    "edited actor": (["UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"], 3, "row edited"),
    "edited object": (["UPDATE audit_log SET object_id = 'cam-2' WHERE seq = 2"], 2, "row edited"),
    "edited detail": (
        ["UPDATE audit_log SET detail = '{\"n\": 99}' WHERE seq = 1"],
        1,
        "row edited",
    ),
    "edited prev_hash": (
        [f"UPDATE audit_log SET prev_hash = '{'1' * 64}' WHERE seq = 4"],
        4,
        "row edited",
    ),
    "deleted row": (
        ["DELETE FROM audit_log WHERE seq = 3"],
        3,
        "rows jump from seq 2 to 4 (row deleted)",
    ),
    "deleted first row": (["DELETE FROM audit_log WHERE seq = 1"], 1, "row deleted"),
    "deleted last row": (
        [f"DELETE FROM audit_log WHERE seq = {ROWS}"],
        ROWS,
        "rows deleted at the end",
    ),
    "reordered pair": (
        [
            "UPDATE audit_log SET seq = -3 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = 4",
            "UPDATE audit_log SET seq = 4 WHERE seq = -3",
        ],
        3,
        "row was written as seq 4 (rows reordered or renumbered)",
    ),
    "deleted and renumbered": (
        ["DELETE FROM audit_log WHERE seq = 3", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3"],
        3,
        "row was written as seq 4",
    ),
    "deleted head": (["DELETE FROM audit_head"], ROWS, "head row is missing"),
}


@pytest.mark.parametrize(("statements", "bad_seq", "reason"), TAMPERING.values(), ids=TAMPERING)
def test_tampering_is_detected(
    engine: Engine,
    sessions: sessionmaker[Session],
    statements: list[str],
    bad_seq: int,
    reason: str,
) -> None:
    _append_rows(sessions)
    _tamper(engine, *statements)
    report = verify_audit(engine)
    assert not report.ok
    assert report.first_bad_seq == bad_seq
    assert reason in (report.reason or "")
    assert report.describe().startswith(f"audit log tampered at seq {bad_seq}: ")


def test_edited_and_rehashed_row_breaks_the_next_link(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _append_rows(sessions)
    _rehash_row_3(engine)
    report = verify_audit(engine)
    assert report.first_bad_seq == 4
    assert "prev_hash does not match the hash of seq 3" in (report.reason or "")


def test_edited_and_rehashed_last_row_differs_from_the_head(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _append_rows(sessions, count=3)
    _rehash_row_3(engine)
    report = verify_audit(engine)
    assert (report.first_bad_seq, report.reason) == (
        3,
        "hash differs from the one recorded at append time",
    )


def test_rolled_back_append_leaves_no_trace(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    _append_rows(sessions, count=2)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        append_audit(session, "alice", "login")
        raise RuntimeError("the change it recorded failed")
    _append_rows(sessions, count=1)
    assert verify_audit(engine) == AuditReport(rows_checked=3, last_seq=3)


def test_concurrent_appends_from_two_engines_stay_chained(
    engine: Engine, database_url: str
) -> None:
    per_writer = 15
    engines = [
        create_engine_for(DatabaseConfig(url=database_url, busy_timeout_ms=10_000))
        for _ in range(2)
    ]
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            _append_rows(session_factory(engines[writer]), per_writer)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in engines:
        other.dispose()
    assert errors == []
    assert verify_audit(engine) == AuditReport(rows_checked=2 * per_writer, last_seq=2 * per_writer)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"actor": " "}, "actor and action must not be empty"),
        ({"detail": {"when": datetime.now(UTC)}}, "detail: not plain JSON"),
        ({"detail": {"score": float("nan")}}, "detail: not plain JSON"),
        ({"at": datetime(2026, 1, 1)}, "at: naive datetime"),
    ],
)
def test_append_rejects_bad_input(
    engine: Engine, sessions: sessionmaker[Session], kwargs: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"actor": "alice", "action": "login"} | kwargs
    with pytest.raises(ValueError, match=message), sessions.begin() as session:
        append_audit(session, **values)  # type: ignore[arg-type]
    assert verify_audit(engine).rows_checked == 0


def test_schema_without_migrations_gets_a_head_on_first_append(database_url: str) -> None:
    bare = create_engine_for(DatabaseConfig(url=database_url))
    Base.metadata.create_all(bare)
    _append_rows(session_factory(bare), count=2)
    assert verify_audit(bare) == AuditReport(rows_checked=2, last_seq=2)
    bare.dispose()
