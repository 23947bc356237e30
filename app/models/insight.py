"""Pathway insight: facts rolled up from the instance history, for the learning network's figures.

Written only by `services.insight.rollup` (the worker, incrementally, behind a watermark on
`history_events.id`) and read by the insight pages. Every row is derived: dropping these tables
and rolling up again from the history gives the same rows. No names and no form data: ids, element
ids, times, the case's municipality and neighbourhood, and the decision outcomes of the diagrams.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.types import JsonDoc, UTCDateTime

from ..extensions import db


class InsightWatermark(db.Model):
    """How far the rollup has read the history: every row up to `last_id` is applied.

    `gap_id`/`gap_seen_at`: the first missing id after `last_id` and when it was first seen (a
    transaction that took an id may still be committing; after a grace period the gap is a
    rolled-back insert and is passed).
    """

    __tablename__ = "insight_watermarks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    gap_id: Mapped[int | None] = mapped_column(BigInteger)
    gap_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InsightInstance(db.Model):
    """One pathway instance: its version, period, variant (the path so far) and FACT-board stint."""

    __tablename__ = "insight_instances"
    __table_args__ = (
        Index("ix_insight_instances_process_started", "process_key", "started_at"),
        Index("ix_insight_instances_variant", "process_key", "variant_hash"),
        Index("ix_insight_instances_case", "case_id"),
    )

    instance_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    process_key: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    start_message: Mapped[str | None] = mapped_column(String(200))
    municipality: Mapped[str | None] = mapped_column(String(100))
    wijk: Mapped[str | None] = mapped_column(String(100))
    # The activities so far, element ids joined by ">" ("*" after a step that repeated).
    variant: Mapped[str] = mapped_column(Text, default="")
    variant_hash: Mapped[str] = mapped_column(String(40))
    last_history_id: Mapped[int] = mapped_column(BigInteger, default=0)
    board_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    board_left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InsightTask(db.Model):
    """One human task: when it was created, first claimed and completed, by which team."""

    __tablename__ = "insight_tasks"
    __table_args__ = (
        Index("ix_insight_tasks_definition_created", "definition_id", "created_at"),
        Index("ix_insight_tasks_instance", "instance_id"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    process_key: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    element_id: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(100))
    wijk: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # open | completed | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    work_seconds: Mapped[float | None] = mapped_column(Float)


class InsightNormCase(db.Model):
    """One measurement of a norm: its clock started, and stopped (or not yet) against a deadline."""

    __tablename__ = "insight_norm_cases"
    __table_args__ = (
        Index("ix_insight_norm_cases_norm_started", "norm", "started_at"),
        Index("ix_insight_norm_cases_instance", "instance_id"),
        Index(
            "ix_insight_norm_cases_open",
            "norm",
            "risk_at",
            postgresql_where=text("ended_at IS NULL AND cancelled_at IS NULL"),
            sqlite_where=text("ended_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    norm: Mapped[str] = mapped_column(String(40), primary_key=True)
    # What started the clock: a task id, or the history row's id for other events.
    start_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    process_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    team: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(100))
    municipality: Mapped[str | None] = mapped_column(String(100))
    wijk: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    risk_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_ref: Mapped[int | None] = mapped_column(BigInteger)  # the history row that stopped it
    seconds: Mapped[float | None] = mapped_column(Float)
    met: Mapped[bool | None] = mapped_column(Boolean)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)


class InsightPassage(db.Model):
    """A gateway's taken outgoing flow, or a decision's outcome, each time the engine passed it."""

    __tablename__ = "insight_passages"
    __table_args__ = (Index("ix_insight_passages_definition_at", "definition_id", "at"),)

    history_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The target element of the taken flow (gateway), or the decision's outputs as JSON text.
    outcome: Mapped[str] = mapped_column(String(500), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # gateway | decision
    instance_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    process_key: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    element_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outputs: Mapped[dict | None] = mapped_column(JsonDoc)
