"""Start and cancel pathway instances."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from ..engine import EngineError, ProcessRun, clock
from ..models import HumanTask, ProcessDefinition, ProcessInstance
from . import audit, deliveries
from .actors import Actor
from .cases import resolve_case
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessFailure
from .runs import history, load_run, opened_tasks, save_run
from .unit_of_work import keep_after_commit, unit_of_work


def latest_definition(session, key: str) -> ProcessDefinition:
    definition = session.execute(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(f"no process with key '{key}' is deployed")
    return definition


def may_start(actor: Actor, definition: ProcessDefinition) -> bool:
    if actor.has_role("system") or actor.has_role("admin"):
        return True
    meta = definition.meta
    groups = set(meta.get("starter_groups") or [])
    users = set(meta.get("starter_users") or [])
    if not groups and not users:
        # No explicit starters: the lanes the process starts in may start it.
        groups = set(meta.get("start_lanes") or meta.get("lanes") or [])
    return bool(groups & actor.groups) or actor.username in users


def start_instance(
    process_key: str,
    *,
    actor: Actor,
    subject: dict | None = None,
    case_id: str | None = None,
    business_key: str | None = None,
    variables: dict | None = None,
) -> ProcessInstance:
    if variables is not None and not isinstance(variables, dict):
        raise InvalidInput("variables must be an object", errors={"variables": ["not an object"]})
    with unit_of_work() as session:
        definition = latest_definition(session, process_key)
        if not may_start(actor, definition):
            raise Forbidden(f"your groups may not start '{process_key}'")
        case = resolve_case(session, subject, case_id)
        instance, outgoing = _create(session, definition, case, actor, business_key, variables or {})
        message_ids = [m.id for m in outgoing]
        opened = opened_tasks(session, instance)
        # The caller answers with the new instance: keep what it reads, no reload after commit.
        for obj in (instance, definition, case, *opened):
            keep_after_commit(session, obj)
    if message_ids:
        # A message it sent may come back to it: the answer must read what delivery did.
        deliveries.deliver_now(message_ids)
    else:
        instance.started_tasks = opened
    return instance


@dataclass(frozen=True)
class StartMessage:
    name: str
    payload: dict


def _create(session, definition, case, actor, business_key, variables, message=None):
    """Create and run a new instance inside the caller's transaction."""
    now = clock.now()
    meta = definition.meta
    if message is None and not meta.get("manual_start", True) and meta.get("message_starts"):
        # SpiffWorkflow cancels message starts when a plain start exists, so pathways that must
        # also start on a message have none: a start by hand delivers their start message.
        message = StartMessage(meta["message_starts"][0], dict(variables))
    try:
        run = ProcessRun.start(definition.content_hash, lambda: definition.spec, variables)
        run.run()
        if message is not None and not run.deliver(message.name, message.payload):
            raise EngineError(f"'{definition.key}' does not start on message '{message.name}'")
    except EngineError as exc:
        raise ProcessFailure(
            f"'{definition.key}' could not start: {exc.message}", error=exc.as_dict()
        ) from exc
    instance = add_instance(session, definition, case, actor, business_key, message, now)
    outgoing = save_run(session, instance, run, actor)
    return instance, outgoing


def add_instance(session, definition, case, actor: Actor, business_key, message, now) -> ProcessInstance:
    """A new running instance row with its `instance_started` history, in the caller's unit.

    Not flushed here: the instance is inserted with its first engine state at commit, in one
    statement (history rows go in after the ORM's writes, so they never miss their instance).
    """
    instance = ProcessInstance(
        id=uuid.uuid4(),
        definition_id=definition.id,
        process_key=definition.key,
        case_id=case.id,
        business_key=business_key,
        status="running",
        state={},
        started_by=actor.username,
        started_at=now,
    )
    instance.definition = definition
    instance.case = case
    session.add(instance)
    history(
        session,
        instance,
        "instance_started",
        actor,
        data={"version": definition.version, "message": message.name if message else None},
    )
    return instance


def _reload(instance_id) -> ProcessInstance:
    from ..extensions import db

    return db.session.get(ProcessInstance, instance_id)


def get_instance(session, instance_id, actor: Actor | None = None) -> ProcessInstance:
    """The instance; with an actor, the read is audit-logged (pass it for every client read)."""
    try:
        key = instance_id if isinstance(instance_id, uuid.UUID) else uuid.UUID(str(instance_id))
    except ValueError:
        raise NotFound("no such process instance") from None
    instance = session.get(ProcessInstance, key)
    if instance is None:
        raise NotFound("no such process instance")
    if actor is not None:
        audit.record_access(session, actor, object_type="ProcessInstance", object_id=key, instance=instance)
    return instance


def cancel_instance(instance_id, *, actor: Actor, reason: str) -> ProcessInstance:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", errors={"reason": ["required"]})
    with unit_of_work() as session:
        instance = get_instance(session, instance_id)
        if instance.status not in ("running", "error"):
            raise Conflict(f"the instance is already {instance.status}")
        run = load_run(instance)
        run.cancel()
        now = clock.now()
        for task in session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        ).scalars():
            task.status = "cancelled"
            task.completed_at = now
        save_run(session, instance, run, actor)
        instance.status = "cancelled"
        instance.ended_at = now
        instance.next_timer_at = None
        history(session, instance, "instance_cancelled", actor, data={"reason": reason})
    return _reload(instance.id)
