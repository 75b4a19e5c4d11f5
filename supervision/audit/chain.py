"""Audit log in a hash chain: append within the caller's transaction, verify the whole chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from supervision.tables import AuditEntry, AuditHead, utc_now

GENESIS_HASH = "0" * 64
HEAD_ID = 1
# How far from its own seq a moved row is looked for, to tell "reordered" from "edited".
MOVED_ROW_WINDOW = 16


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The result of checking the chain: intact, or the first bad seq and why."""

    rows_checked: int
    last_seq: int
    first_bad_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def describe(self) -> str:
        if self.ok:
            rows = "1 row" if self.rows_checked == 1 else f"{self.rows_checked} rows"
            return f"audit log intact: {rows}, last seq {self.last_seq}"
        return f"audit log tampered at seq {self.first_bad_seq}: {self.reason}"


def row_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the row's canonical JSON, prev_hash included."""
    fields = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_canonical_json(fields).encode("utf-8")).hexdigest()


def append_audit(
    session: Session,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditRecord:
    """Append a row in the caller's transaction, so it commits or rolls back with the change.

    The head row is updated first: that takes the write lock on SQLite and the row lock on
    PostgreSQL, so concurrent appends queue up until this transaction ends.
    """
    if not actor.strip() or not action.strip():
        raise ValueError("actor and action must not be empty")
    when = at or utc_now()
    if when.tzinfo is None:
        raise ValueError(f"at: naive datetime {when!r}; pass a timezone-aware one")
    # Stored as it is hashed: JSON round trips must give back exactly what was hashed.
    stored_detail = json.loads(_canonical_json(dict(detail or {})))
    seq, prev_hash = _claim_next_seq(session)
    digest = row_hash(seq, when, actor, action, object_type, object_id, stored_detail, prev_hash)
    row = AuditEntry(
        seq=seq,
        at=when,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=stored_detail,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(row)
    session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(hash=digest),
        execution_options={"synchronize_session": False},
    )
    session.flush()
    return audit_record(row)


def verify_audit(engine: Engine) -> AuditReport:
    """Walk the chain in seq order; stop at the first edited, missing or moved row.

    The head is read first and rows up to its seq are checked, so appends that commit during
    the check are neither checked nor mistaken for tampering.
    """
    with Session(engine) as session:
        head = session.execute(
            select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
        ).first()
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if head is not None:
            query = query.where(AuditEntry.seq <= head.seq)
        chain = _ChainCheck()
        try:
            for row in session.scalars(query.execution_options(yield_per=1000)):
                problem = chain.check(row)
                if problem is not None:
                    return problem
                session.expunge(row)  # keeps memory flat on a long log
        except (TypeError, ValueError) as error:  # a value edited into something unreadable
            return chain.unreadable(error)
        return chain.finish(None if head is None else (head.seq, head.hash))


def _claim_next_seq(session: Session) -> tuple[int, str]:
    claimed = session.execute(
        update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq + 1),
        execution_options={"synchronize_session": False},
    )
    if not getattr(claimed, "rowcount", 0):
        # A schema made without the migrations (create_all) has no head row yet.
        session.add(AuditHead(id=HEAD_ID, seq=1, hash=GENESIS_HASH))
        session.flush()
    head = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
    ).one()
    return head.seq, head.hash


class _ChainCheck:
    """State of one verification pass: the next seq expected and the hash it must link to."""

    def __init__(self) -> None:
        self.rows_checked = 0
        self.last_seq = 0
        self.last_hash = GENESIS_HASH

    def check(self, row: AuditEntry) -> AuditReport | None:
        expected = self.last_seq + 1
        if row.seq != expected:
            return self._bad(expected, _gap_reason(self.last_seq, row.seq))
        if _hash_as(row, row.seq) != row.hash:
            return self._bad(row.seq, _mismatch_reason(row))
        if row.prev_hash != self.last_hash:
            return self._bad(
                row.seq,
                f"prev_hash does not match the hash of seq {self.last_seq} "
                "(that row was edited and re-hashed, or rows were removed before it)",
            )
        self.rows_checked += 1
        self.last_seq, self.last_hash = row.seq, row.hash
        return None

    def finish(self, head: tuple[int, str] | None) -> AuditReport:
        if head is None:
            if self.last_seq == 0:
                return self._good()
            return self._bad(self.last_seq, "the audit head row is missing")
        head_seq, head_hash = head
        if head_seq > self.last_seq:
            return self._bad(
                self.last_seq + 1,
                f"missing: the log ends at seq {self.last_seq} but {head_seq} rows were "
                "appended (rows deleted at the end)",
            )
        if head_hash != self.last_hash:
            return self._bad(self.last_seq, "hash differs from the one recorded at append time")
        return self._good()

    def unreadable(self, error: Exception) -> AuditReport:
        return self._bad(self.last_seq + 1, f"row cannot be read ({error})")

    def _good(self) -> AuditReport:
        return AuditReport(rows_checked=self.rows_checked, last_seq=self.last_seq)

    def _bad(self, seq: int, reason: str) -> AuditReport:
        return AuditReport(self.rows_checked, self.last_seq, first_bad_seq=seq, reason=reason)


def _gap_reason(last_seq: int, seq: int) -> str:
    if seq > last_seq + 1:
        return f"missing: rows jump from seq {last_seq} to {seq} (row deleted)"
    return f"unexpected seq {seq} after {last_seq} (rows renumbered)"


def _mismatch_reason(row: AuditEntry) -> str:
    low = max(1, row.seq - MOVED_ROW_WINDOW)
    for seq in range(low, row.seq + MOVED_ROW_WINDOW + 1):
        if seq != row.seq and _hash_as(row, seq) == row.hash:
            return f"row was written as seq {seq} (rows reordered or renumbered)"
    return "contents do not match the row's hash (row edited)"


def _hash_as(row: AuditEntry, seq: int) -> str:
    return row_hash(
        seq,
        row.at,
        row.actor,
        row.action,
        row.object_type,
        row.object_id,
        row.detail,
        row.prev_hash,
    )


def _canonical_json(value: Any) -> str:
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"detail: not plain JSON ({error})") from None


def audit_record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        detail=row.detail,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )
