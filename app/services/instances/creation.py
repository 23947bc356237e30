"""A new pathway instance inside the caller's transaction: which version, may this actor start
it, which case it belongs to, and the instance row with its first run. Starting by hand
(`lifecycle`), by message (`deliveries`) and the retry of a failed message start (`repairs`)
all come through here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.engine import EngineError, ProcessRun, clock
from app.models import Case, Message, ProcessInstance
from app.services import audit
from app.services.access.actors import Actor
from app.services.cases.records import find_case, resolve_case
from app.services.errors import NotFound, ProcessFailure
from app.services.instances.runs import history, save_run


@dataclass(frozen=True)
class StartMessage:
    name: str
    payload: dict


def create_instance(session, definition, case, actor, business_key, variables, message=None):
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



def correlated_case(session, message: Message) -> Case | None:
    key = message.correlation.get("case") or message.correlation.get("caseId")
    return find_case(session, key) if key else None


def case_for_start(session, message: Message) -> Case:
    """The case a message-started instance belongs to: the correlated one, else a new one."""
    case = correlated_case(session, message)
    if case is None:
        subject = message.payload.get("subject") if isinstance(message.payload, dict) else None
        case = resolve_case(session, subject if isinstance(subject, dict) else None, None)
    return case
