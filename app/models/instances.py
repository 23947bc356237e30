"""Runtime state: cases, process instances, their human tasks, timers and history."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import JsonDoc, UTCDateTime

from ..extensions import db

# SQLite only auto-increments a plain INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Case(db.Model):
    """One resident's journey through the network: groups their pathway instances over time."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # Pseudonymous identifier that partners exchange instead of a name or BSN.
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    network: Mapped[str | None] = mapped_column(String(100))
    # Where the resident lives, as the triage report records it (forms mark the fields with
    # `x-case`): the insight figures per municipality and neighbourhood (*wijk*).
    municipality: Mapped[str | None] = mapped_column(String(100))
    wijk: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessInstance(db.Model):
    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_process_instances_next_timer", "status", "next_timer_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    definition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))  # running | completed | cancelled | error
    # Plain JSON, not JSONB: written on every step and never queried inside.
    state: Mapped[dict] = mapped_column(JSON)
    # Optimistic concurrency: SQLAlchemy adds "WHERE version = :old" to every UPDATE.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[dict | None] = mapped_column(JsonDoc)

    __mapper_args__ = {"version_id_col": version}

    definition = relationship("ProcessDefinition")
    case: Mapped[Case | None] = relationship()

    # The open inbox rows, read together with a task being completed (services/tasks/actions.py) so
    # the step's bookkeeping needs no query of its own; never loaded by accident.
    open_tasks = relationship(
        "HumanTask",
        primaryjoin="and_(ProcessInstance.id == foreign(HumanTask.instance_id), HumanTask.status == 'open')",
        viewonly=True,
        lazy="raise",
    )

    # Not stored: after a start, the tasks it opened (set by `services.instances.start_instance`)
    # when they are all the instance has, so the answer needs no second read; None otherwise.
    started_tasks = None


class HumanTask(db.Model):
    """An inbox row: a user task waiting for (or done by) a professional."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_status_due", "status", "due_at"),
        Index("ix_human_tasks_status_created", "status", "created_at"),
        Index("ix_human_tasks_status_priority", "status", "priority"),
        # The inbox's default page, "open tasks by due date, undated last": walked in index
        # order, so the first page stops after 50 visible rows instead of sorting them all.
        Index(
            "ix_human_tasks_open_due",
            text("(due_at IS NULL)"),
            "due_at",
            "id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # "Assigned to me" as one inbox branch, walked in the same order (task_queries.search).
        Index(
            "ix_human_tasks_open_assignee_due",
            "assignee",
            text("(due_at IS NULL)"),
            "due_at",
            "id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    # The engine's own task id, so a completion maps straight back into the workflow.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    candidate_groups: Mapped[list] = mapped_column(JsonDoc)
    candidate_users: Mapped[list] = mapped_column(JsonDoc)
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20))  # open | completed | cancelled
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    form_key: Mapped[str | None] = mapped_column(String(300))
    documentation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    draft: Mapped[dict | None] = mapped_column(JsonDoc)
    data: Mapped[dict | None] = mapped_column(JsonDoc)
    # Optimistic concurrency: of a claim and a completion racing on one task, one loses.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    instance: Mapped[ProcessInstance] = relationship()
    candidates: Mapped[list[TaskCandidate]] = relationship(
        cascade="all, delete-orphan", back_populates="task"
    )

    # Not stored: after a completion, the tasks it opened in the same instance (set by
    # `services.tasks.complete`), so the caller can go straight on to the next step.
    next_tasks = ()


class TaskCandidate(db.Model):
    """One candidate group or user of a task: indexed so 'my groups' inbox queries stay fast.

    `task_status`, `due_at` and `task_assignee` copy the task's own (kept equal by
    `models/task_mirror.py`), so the inbox walks one group's (or user's) open tasks in due
    order from a single index and stops after a page, instead of probing every open task.
    """

    __tablename__ = "task_candidates"
    __table_args__ = (
        Index("ix_task_candidates_group", "group_name", "task_id"),
        Index("ix_task_candidates_user", "user_name", "task_id"),
        Index(
            "ix_task_candidates_open_group_due",
            "group_name",
            text("(due_at IS NULL)"),
            "due_at",
            "task_id",
            postgresql_where=text("task_status = 'open'"),
            sqlite_where=text("task_status = 'open'"),
        ),
        Index(
            "ix_task_candidates_open_user_due",
            "user_name",
            text("(due_at IS NULL)"),
            "due_at",
            "task_id",
            postgresql_where=text("task_status = 'open'"),
            sqlite_where=text("task_status = 'open'"),
        ),
        # "My teams' unassigned work" (the web inbox's second tab, counted on every visit):
        # without it the walk passes every claimed task due earlier.
        Index(
            "ix_task_candidates_unassigned_group_due",
            "group_name",
            text("(due_at IS NULL)"),
            "due_at",
            "task_id",
            postgresql_where=text("task_status = 'open' AND task_assignee IS NULL"),
            sqlite_where=text("task_status = 'open' AND task_assignee IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), index=True)
    group_name: Mapped[str | None] = mapped_column(String(200))
    user_name: Mapped[str | None] = mapped_column(String(100))
    task_status: Mapped[str] = mapped_column(String(20))  # = human_tasks.status
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # = human_tasks.due_at
    task_assignee: Mapped[str | None] = mapped_column(String(100))  # = human_tasks.assignee

    task: Mapped[HumanTask] = relationship(back_populates="candidates")


class Timer(db.Model):
    """A timer an instance waits on, mirrored from the engine for visibility and scheduling."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_status_due", "status", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # engine task id
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # pending | fired | cancelled
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Declared so the unit of work inserts a new instance before its timer rows.
    instance: Mapped[ProcessInstance] = relationship()


class HistoryEvent(db.Model):
    """What happened in an instance, in order: the pathway timeline and the process-mining log."""

    __tablename__ = "history_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # instance_started | task_created | task_claimed | task_unclaimed | task_completed |
    # timer_fired | message_sent | message_received | decision | instance_completed | ...
    kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str | None] = mapped_column(String(300))
    element_type: Mapped[str | None] = mapped_column(String(60))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict | None] = mapped_column(JsonDoc)
