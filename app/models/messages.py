"""BPMN messages between pathways and from outside systems: an outbox/inbox in one table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import JsonDoc, UTCDateTime

from ..extensions import db


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    # Correlation keys, e.g. {"case": "<case uuid>"}; pathways correlate on the resident's case.
    correlation: Mapped[dict] = mapped_column(JsonDoc)
    payload: Mapped[dict] = mapped_column(JsonDoc)
    # A retried POST with the same key never delivers twice.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # queued | delivered | unmatched
    source_instance_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("process_instances.id"))
    target_instance_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("process_instances.id"))
    # Declared so the unit of work inserts a new instance before the message rows naming it
    # (instances are written at commit, not flushed early).
    source_instance = relationship("ProcessInstance", foreign_keys=[source_instance_id])
    target_instance = relationship("ProcessInstance", foreign_keys=[target_instance_id])
    sent_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
