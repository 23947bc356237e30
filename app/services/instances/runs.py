"""Load an instance's engine run and write everything a step changed in the same transaction.

`save_run` is the single place that turns engine state into rows: the instance state (with its
optimistic version), inbox rows and their candidates, timer rows with the instance's next due
time, history events and outgoing messages. Callers commit once, through `unit_of_work`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import inspect, select

from app.engine import ProcessRun, clock, task_attributes
from app.models import HumanTask, Message, ProcessInstance, Timer, candidate_rows, history_log
from app.services import audit
from app.services.access.actors import Actor
from app.services.instances import data_sources

log = logging.getLogger(__name__)


def load_run(instance: ProcessInstance) -> ProcessRun:
    definition = instance.definition
    return ProcessRun.restore(definition.content_hash, lambda: definition.spec, instance.state)


def history(session, instance: ProcessInstance, kind: str, actor: Actor | None, **fields) -> None:
    event = history_log.PendingEvent(
        instance_id=instance.id,
        case_id=instance.case_id,
        at=fields.pop("at", None) or clock.now(),
        kind=kind,
        actor=actor.username if actor else None,
        **fields,
    )
    history_log.add(session, event)  # inserted with the others at commit
    audit.record_history(session, instance, event, actor)  # NEN 7513 row, same transaction


def save_run(
    session, instance: ProcessInstance, run: ProcessRun, actor: Actor | None, open_rows=None
) -> list[Message]:
    """Persist a stepped run; returns the outgoing messages queued for delivery.

    `open_rows`: the instance's open inbox rows when the caller read them in this transaction
    with nothing flushed since (a completion reads them with its task); else they are queried.
    """
    now = clock.now()
    for step in run.steps:
        history(
            session,
            instance,
            "step_completed",
            None,
            at=step.at,
            element_id=step.element_id,
            element_name=step.name,
            element_type=step.element_type,
            task_id=step.task_id,
            data=step.details or None,
        )
    run.steps.clear()
    _sync_human_tasks(session, instance, run, actor, now, open_rows)
    _sync_timers(session, instance, run, now)
    outgoing = _queue_messages(session, instance, run, actor, now)
    if run.completed:
        instance.status = "completed"
        instance.ended_at = now
        instance.next_timer_at = None
        history(session, instance, "instance_completed", actor)
    instance.state = run.dump()
    return outgoing


def _sync_human_tasks(session, instance, run: ProcessRun, actor, now: datetime, known=None) -> None:
    if known is None:
        stored = _stored(session, instance, HumanTask, "open")
    else:  # as _stored would find them: by their in-memory status, plus rows added since
        stored = [row for row in known if row.status == "open"] + _added(session, instance, HumanTask, "open")
    open_rows = {row.id: row for row in stored}
    ready = {view.id: view for view in run.human_tasks()}
    for task_id, row in open_rows.items():
        if task_id not in ready:
            # Withdrawn by the engine (an interrupting boundary event, a cancelled branch).
            row.status = "cancelled"
            row.completed_at = now
            history(
                session,
                instance,
                "task_cancelled",
                None,
                element_id=row.element_id,
                element_name=row.name,
                task_id=row.id,
            )
    meta_all = instance.definition.meta["user_tasks"]
    for task_id, view in ready.items():
        if task_id in open_rows:
            continue
        meta = meta_all.get(view.process_id, {}).get(view.element_id, {})
        if meta.get("data_source"):
            run.set_task_data(task_id, data_sources.provide(meta["data_source"], session, now))
        groups, users, assignee = task_attributes.assignment(meta, view.data, view.lane)
        row = HumanTask(
            id=task_id,
            instance_id=instance.id,
            case_id=instance.case_id,
            process_key=instance.process_key,
            element_id=view.element_id,
            name=meta.get("name") or view.name,
            lane=view.lane,
            candidate_groups=groups,
            candidate_users=users,
            assignee=assignee,
            status="open",
            due_at=_safe(
                task_attributes.due_at,
                meta.get("due"),
                view.data,
                now,
                what="due date",
                element=view.element_id,
            ),
            priority=_safe(
                task_attributes.priority,
                meta.get("priority"),
                view.data,
                what="priority",
                element=view.element_id,
            )
            or 50,
            form_key=meta.get("form"),
            documentation=meta.get("documentation") or meta.get("instructions"),
            created_at=now,
        )
        session.add(row)
        candidate_rows.add(session, row)  # its task_candidates rows: inserted at commit
        history(
            session,
            instance,
            "task_created",
            actor,
            element_id=row.element_id,
            element_name=row.name,
            element_type="UserTask",
            task_id=row.id,
            data={
                "candidateGroups": row.candidate_groups,
                "dueAt": row.due_at.isoformat() if row.due_at else None,
            },
        )


def opened_tasks(session, instance: ProcessInstance) -> list[HumanTask]:
    """The inbox rows this transaction opened for the instance (not written yet)."""
    rows = [row for row in session.new if isinstance(row, HumanTask) and row.instance_id == instance.id]
    return sorted(rows, key=lambda row: (row.created_at, row.name))


def _stored(session, instance, model, status: str) -> list:
    """The instance's rows of `model` with `status`, as this transaction has them.

    Read without flushing first, so the step's inserts go to the database together in one
    flush at commit: rows changed in memory are judged by their in-memory status, and rows
    added earlier in this transaction are taken from the session. A new instance (pending, or
    whose engine state was never saved) has no stored rows, so it costs no query.
    """
    found = _added(session, instance, model, status)
    if instance.state and not inspect(instance).pending:
        with session.no_autoflush:
            stored = session.execute(
                select(model).where(model.instance_id == instance.id, model.status == status)
            ).scalars()
            found += [row for row in stored if row.status == status]
    return found


def _added(session, instance, model, status: str) -> list:
    """Rows of `model` added to the session for the instance and not flushed yet."""
    return [
        row
        for row in session.new
        if isinstance(row, model) and row.instance_id == instance.id and row.status == status
    ]


def _safe(fn, *args, what: str, element: str):
    """A broken due-date or priority expression must not block the pathway: log and carry on."""
    try:
        return fn(*args)
    except Exception as exc:  # a process owner's expression can fail in any way
        log.warning("cannot evaluate %s of %s: %s", what, element, exc)
        return None


def _sync_timers(session, instance, run: ProcessRun, now: datetime) -> None:
    waiting = {view.id: view for view in run.timers()}
    # A pathway without timer events, and no timer due on the instance (a migrated one may
    # still have some), has no pending timer rows: skip the query.
    had_timers = instance.next_timer_at is not None or bool(instance.definition.meta.get("timers"))
    pending = {row.id: row for row in _stored(session, instance, Timer, "pending")} if had_timers else {}
    for timer_id, row in pending.items():
        view = waiting.get(timer_id)
        if view is None:
            fired = row.due_at <= now
            row.status = "fired" if fired else "cancelled"
            row.fired_at = now if fired else None
            if fired:
                _timer_fired(session, instance, row)
        elif view.due_at != row.due_at:
            # A cycle timer moved on to its next occurrence.
            _timer_fired(session, instance, row)
            row.due_at = view.due_at
    for timer_id, view in waiting.items():
        if timer_id not in pending:
            session.add(
                Timer(
                    id=timer_id,
                    instance_id=instance.id,
                    element_id=view.element_id,
                    name=view.name,
                    due_at=view.due_at,
                    status="pending",
                )
            )
    instance.next_timer_at = min((v.due_at for v in waiting.values()), default=None)


def _timer_fired(session, instance, row: Timer) -> None:
    history(
        session,
        instance,
        "timer_fired",
        None,
        element_id=row.element_id,
        element_name=row.name,
        element_type="TimerEvent",
        task_id=row.id,
        data={"dueAt": row.due_at.isoformat()},
    )


def _queue_messages(session, instance, run: ProcessRun, actor, now: datetime) -> list[Message]:
    queued = []
    for message in run.drain_messages():
        row = Message(
            id=uuid.uuid4(),  # known before the flush: the caller delivers it after commit
            name=message.name,
            correlation={"case": str(instance.case_id)},
            payload=message.payload if isinstance(message.payload, dict) else {"value": message.payload},
            status="queued",
            source_instance_id=instance.id,
            sent_by=actor.username if actor else None,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
        session.add(row)
        queued.append(row)
        history(
            session,
            instance,
            "message_sent",
            actor,
            element_name=message.name,
            data={"message": message.name},
        )
    return queued
