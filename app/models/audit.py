"""The NEN 7513 audit log: append-only, hash-chained, one row per logged event.

No foreign keys on purpose: audit rows outlive (and must not block) changes to the rows they
describe, and are kept at least five years. Columns named here are covered by the chain hash,
except `details`/`details_salt` (personal content, covered through `details_digest`, so the
retention job can erase it) and `redacted_by` (set once, when that happens).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import JsonDoc, UTCDateTime

from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_case_recorded", "case_id", "recorded_at"),
        Index("ix_audit_events_instance", "instance_id", "seq"),
        Index("ix_audit_events_user_recorded", "user", "recorded_at"),
        Index("ix_audit_events_recorded", "recorded_at"),
    )

    # Position in the hash chain: assigned at commit under the chain lock, gap-free.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(1))  # C R U D E (as FHIR AuditEvent.action)
    outcome: Mapped[str] = mapped_column(String(2))  # 0 success, 4 minor, 8 serious, 12 major failure
    event_type: Mapped[str] = mapped_column(String(60))  # task.completed, instance.read, ...
    user: Mapped[str] = mapped_column(String(100))
    acting_for: Mapped[str | None] = mapped_column(String(100))  # the responsible user
    role: Mapped[str | None] = mapped_column(String(200))
    user_groups: Mapped[str | None] = mapped_column(String(1000))
    organisation: Mapped[str | None] = mapped_column(String(100), index=True)
    purpose: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(100))
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    # The client: the case and its pseudonym (never a name).
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    case_pseudonym: Mapped[str | None] = mapped_column(String(64))
    process_key: Mapped[str | None] = mapped_column(String(200), index=True)
    instance_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The data object.
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(200))
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict | None] = mapped_column(JsonDoc)
    details_salt: Mapped[str | None] = mapped_column(String(32))
    details_digest: Mapped[str] = mapped_column(String(64))
    redacted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(db.Model):
    """One row: the last appended sequence number and hash.

    Every append locks this row first (UPDATE), so concurrent writers queue up instead of
    forking the chain, and a cut-off tail of the log shows as a head the rows do not reach.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
