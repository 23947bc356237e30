"""The hash chain over `audit_events`: canonical form, appending at commit, verification.

Each row's hash is SHA-256 over a canonical JSON of its chained fields, which include the
previous row's hash and a gap-free sequence number. Editing, deleting, inserting or reordering
a row therefore breaks the hash of that row or the link of the next one. Personal details are
chained through a salted digest, so the retention job can erase them and the chain still holds.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy import insert, select, update

from app.models import AuditChainHead, AuditEvent
from app.models.pipeline import Batch

_BLANK_ROW = {attr.key: None for attr in AuditEvent.__mapper__.column_attrs}


class PendingRow(SimpleNamespace):
    """An audit row waiting for its place in the chain, named as `AuditEvent`'s columns.

    Plain attributes, not an ORM object: a request makes several and `append` inserts them
    with one Core statement, so the ORM's instance state and change events would be paid for
    nothing.
    """

    def __init__(self, **values):
        super().__init__(**{**_BLANK_ROW, **values})


GENESIS = "0" * 64
HEAD_ID = 1
CHAINED_FIELDS = (
    "seq",
    "event_id",
    "recorded_at",
    "action",
    "outcome",
    "event_type",
    "user",
    "acting_for",
    "role",
    "user_groups",
    "organisation",
    "purpose",
    "address",
    "break_glass",
    "case_id",
    "case_pseudonym",
    "process_key",
    "instance_id",
    "object_type",
    "object_id",
    "element_id",
    "element_name",
    "details_digest",
    "prev_hash",
)


def _plain(value):
    """A JSON value as any database gives it back (JSONB turns 3.0 into 3, reorders keys)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return _instant(value)
    return value


def _instant(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def storable_details(details: dict | None) -> dict:
    """The details exactly as they will read back, so the digest of both is the same."""
    return json.loads(canonical_json(details or {}))


def new_salt() -> str:
    return secrets.token_hex(16)


def details_digest(salt: str, details: dict) -> str:
    # Salted: once the details are erased, a guessable value (a score 1-5) cannot be confirmed.
    return hashlib.sha256((salt + canonical_json(details)).encode()).hexdigest()


def row_hash(row) -> str:
    fields = {name: getattr(row, name) for name in CHAINED_FIELDS}
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


_HEAD = AuditChainHead.__table__
# Lock the head row and read it in one round trip (a no-op UPDATE takes the row lock).
_LOCK_HEAD = (
    update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq).returning(_HEAD.c.seq, _HEAD.c.hash)
)


def append(session, events: list[PendingRow], batch: Batch | None = None) -> None:
    """Give the events their place in the chain and add them, inside the caller's transaction.

    Called at commit time, after everything else is flushed, so the chain-head row lock is
    the transaction's last lock and is held only until the commit: concurrent writers queue on
    it (PostgreSQL row lock; SQLite has one writer anyway) and can never fork the chain.
    `batch`: the commit's pipeline (models/pipeline.py), if any.
    """
    if not events:
        return
    batch = batch or Batch(session)
    locked = batch.returning_row(_LOCK_HEAD)
    if locked is None:  # an emptied table (tests) or a database set up without the migration
        session.execute(insert(_HEAD).inline().values(id=HEAD_ID, seq=0, hash=GENESIS))
        locked = (0, GENESIS)
    seq, prev = locked
    for event in events:
        seq += 1
        event.seq = seq
        event.prev_hash = prev
        event.hash = prev = row_hash(event)
    # Append-only rows: one multi-row INSERT, not the ORM's unit of work. The head row follows
    # the newest row by a trigger in the same statement (migration 0006).
    session.execute(insert(AuditEvent.__table__).inline(), [_values(event) for event in events])


_AUDIT_COLUMNS = tuple((attr.key, attr.columns[0].key) for attr in AuditEvent.__mapper__.column_attrs)


def _values(event: PendingRow) -> dict:
    return {column: getattr(event, key) for key, column in _AUDIT_COLUMNS}


@dataclass
class Finding:
    seq: int | None
    event_id: str | None
    problem: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "chain head"
        return f"{where} (event {self.event_id or '-'}): {self.problem}"


@dataclass
class Verification:
    checked: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(session, *, anchor: tuple[int, str] | None = None, batch: int = 1000) -> Verification:
    """Walk the whole log in sequence order (streamed) and report every break.

    `anchor` is a (seq, hash) pair kept outside the database (e.g. printed by an earlier
    verify): it catches a rewrite of the whole chain, which in-database checks alone cannot.
    """
    result = Verification()
    redactions: dict[uuid.UUID, uuid.UUID | None | bool] = {}
    expected_seq, prev = 1, GENESIS
    rows = session.execute(
        select(AuditEvent.__table__).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    )
    for row in rows:
        event_id = str(row.event_id)

        def flag(problem: str, row=row, event_id=event_id) -> None:
            result.findings.append(Finding(row.seq, event_id, problem))

        if row.seq != expected_seq:
            if row.seq > expected_seq:
                flag(f"rows {expected_seq}..{row.seq - 1} are missing (deleted)")
            else:
                flag(f"sequence number repeats or goes back (expected {expected_seq})")
        if row.prev_hash != prev:
            flag("does not link to the row before it (a row was deleted, inserted or reordered)")
        if row_hash(row) != row.hash:
            flag("content differs from what was written (row edited)")
        if row.redacted_by is None:
            salt = row.details_salt
            if salt is None or details_digest(salt, row.details) != row.details_digest:
                flag("details differ from what was written (details edited)")
        elif not _is_redaction_of(session, redactions, row):
            flag("details were erased without a retention event for this case")
        if anchor is not None and row.seq == anchor[0] and row.hash != anchor[1]:
            flag("hash differs from the externally kept anchor (chain rewritten)")
        result.checked += 1
        prev, expected_seq = row.hash, row.seq + 1
        result.last_seq, result.last_hash = row.seq, row.hash
    head = session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)).scalar_one_or_none()
    if head is not None and (head.seq, head.hash) != (result.last_seq, result.last_hash):
        result.findings.append(
            Finding(
                head.seq,
                None,
                f"chain head says seq {head.seq} but the log ends at seq {result.last_seq} "
                "(rows at the end deleted, or head changed)",
            )
        )
    if anchor is not None and anchor[0] > result.last_seq:
        result.findings.append(Finding(anchor[0], None, "the anchored row is gone (log cut off)"))
    return result


def _is_redaction_of(session, cache: dict, row) -> bool:
    """An erased row must name a retention event of the same case (itself in the chain)."""
    if row.redacted_by not in cache:
        cache[row.redacted_by] = session.execute(
            select(AuditEvent.case_id).where(
                AuditEvent.event_id == row.redacted_by,
                AuditEvent.event_type == "retention.pseudonymised",
            )
        ).scalar_one_or_none() or False
    return cache[row.redacted_by] is not False and cache[row.redacted_by] == row.case_id
