"""A process owner's side of incidents (see `incidents`): list them, retry the failed step after
a fix, or correct the instance's data and retry. A held message is delivered again by the retry."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import defer

from app.engine import EngineError, ProcessRun, clock
from app.models import Message, ProcessInstance
from app.services import audit
from app.services.access.actors import SYSTEM, Actor
from app.services.errors import Conflict, Forbidden, InvalidInput, ProcessFailure
from app.services.instances import deliveries
from app.services.instances.creation import get_instance
from app.services.instances.incidents import unexpected_error
from app.services.instances.runs import history, load_run, save_run
from app.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
INCIDENT_ROLES = ("process-owner", "admin")


def _require_owner(actor: Actor) -> None:
    if not any(actor.has_role(role) for role in INCIDENT_ROLES):
        raise Forbidden("only process owners handle incidents")


@dataclass
class IncidentPage:
    items: list[ProcessInstance]
    total: int


def list_incidents(
    actor: Actor,
    *,
    process_key: str | None = None,
    element_id: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> IncidentPage:
    """Instances in `error`, oldest first; filter by process key and failing element."""
    from app.extensions import db

    _require_owner(actor)
    # The engine state is the heavy column and a list never needs it.
    query = (
        select(ProcessInstance)
        .where(ProcessInstance.status == "error")
        .options(defer(ProcessInstance.state))
    )
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    rows = db.session.execute(query).scalars().all()
    if element_id:
        # Filtered in Python: `error` is a JSON document (JSONB or text) and incidents are few.
        rows = [r for r in rows if (r.error or {}).get("elementId") == element_id]
    rows.sort(key=lambda r: (r.error or {}).get("at") or "")  # ISO times sort as text
    start = (page - 1) * per_page
    items = rows[start : start + per_page]
    # Case ids and error messages (which may quote a resident's data) are client data too.
    audit.record_search(
        db.session,
        actor,
        "ProcessInstance",
        [(r.case_id, r.id, r.process_key) for r in items],
        event_noun="incident",
        processKey=process_key,
        elementId=element_id,
        page=page,
    )
    return IncidentPage(items=items, total=len(rows))


def retry(instance_id, *, actor: Actor) -> ProcessInstance:
    """Run the failed step again (after a fix); a new failure keeps the incident, updated."""
    return _retry(instance_id, actor, None)


def correct_and_retry(instance_id, variables: dict, *, actor: Actor) -> ProcessInstance:
    """Correct the instance's data, then run the failed step again."""
    if not isinstance(variables, dict) or not variables:
        raise InvalidInput("variables must be a non-empty object", errors={"variables": ["required"]})
    return _retry(instance_id, actor, variables)


def _retry(instance_id, actor: Actor, variables: dict | None) -> ProcessInstance:
    _require_owner(actor)
    failure: EngineError | None = None
    try:
        with unit_of_work() as session:
            instance = get_instance(session, instance_id)
            session.refresh(instance, with_for_update=True)
            if instance.status != "error":
                raise Conflict(f"the instance is {instance.status}, not in error")
            key, seen_version = instance.id, instance.version
            held = _held_message(session, instance)
            run = load_run(instance)
            try:
                if variables:
                    run.correct_data(variables)
                _run_failed_step(run, instance, held)
                instance.status = "running"  # before save_run: it may complete the instance
                outgoing = save_run(session, instance, run, actor)
            except EngineError as exc:
                failure = exc
                raise
            except Exception as exc:
                if _is_database_error(exc):
                    raise
                log.exception("retry of instance %s failed unexpectedly", instance_id)
                failure = unexpected_error(exc)
                raise
            if held is not None:
                held.status = "delivered"
                held.delivered_at = clock.now()
                held.error = None
            previous = instance.error or {}
            instance.error = None
            history(
                session,
                instance,
                "incident_resolved",
                actor,
                element_id=previous.get("elementId"),
                data={"corrected": sorted(variables) if variables else [], "during": previous.get("during")},
            )
            message_ids = [m.id for m in outgoing]
    except Exception:
        if failure is None:
            raise
        _update_incident(key, seen_version, failure)
        raise ProcessFailure(f"the step failed again: {failure.message}", error=failure.as_dict()) from None
    deliveries.deliver_now(message_ids)
    from app.extensions import db

    return db.session.get(ProcessInstance, key)


def _held_message(session, instance) -> Message | None:
    message_id = (instance.error or {}).get("messageId")
    if not message_id:
        return None
    return session.execute(
        select(Message)
        .where(Message.id == uuid.UUID(message_id), Message.status == "incident")
        .with_for_update()
    ).scalar_one_or_none()


def _run_failed_step(run: ProcessRun, instance: ProcessInstance, held: Message | None) -> None:
    during = (instance.error or {}).get("during")
    if held is not None:
        run.run()  # a start-by-message instance was stored before its first steps
        if not run.deliver(held.name, held.payload):
            raise EngineError(f"the instance no longer waits for message '{held.name}'")
    elif during == "timer":
        run.fire_due_timers()
    else:
        run.run()


def _update_incident(instance_id, seen_version: int, error: EngineError) -> None:
    with unit_of_work() as session:
        instance = session.get(ProcessInstance, instance_id, with_for_update=True, populate_existing=True)
        if instance is None or instance.version != seen_version or instance.status != "error":
            return
        instance.error = {**(instance.error or {}), **error.as_dict(), "at": clock.now().isoformat()}
        history(
            session,
            instance,
            "incident",
            SYSTEM,
            element_id=error.element_id,
            data={"message": error.message, "line": error.line, "during": "retry"},
        )


def _is_database_error(exc: Exception) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)

