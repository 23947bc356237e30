"""Start (by hand) and cancel pathway instances."""

from __future__ import annotations

from sqlalchemy import select

from app.engine import clock
from app.models import HumanTask, ProcessInstance
from app.services.access.actors import Actor
from app.services.cases.records import resolve_case
from app.services.definitions.versions import latest_definition, may_start
from app.services.errors import Conflict, Forbidden, InvalidInput
from app.services.instances import deliveries
from app.services.instances.creation import create_instance, get_instance
from app.services.instances.runs import history, load_run, opened_tasks, save_run
from app.services.unit_of_work import keep_after_commit, unit_of_work


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
        instance, outgoing = create_instance(session, definition, case, actor, business_key, variables or {})
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


def _reload(instance_id) -> ProcessInstance:
    from app.extensions import db

    return db.session.get(ProcessInstance, instance_id)


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
