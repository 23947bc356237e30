"""Incidents: an asynchronous step (timer, message) that failed, parked for a process owner.

As in Camunda, a script, condition or decision that fails while the worker moves an instance on
does not crash the worker or retry forever: the failed step's transaction is rolled back (so the
instance keeps its last good state) and, in a fresh transaction, the instance goes to status
`error` with the reason (element id, message, line). Other instances carry on.

A process owner lists incidents and retries the failed step after a fix (a corrected diagram
deployed and the instance moved to it, or an engine/library fix), or after correcting the
instance's data. A message whose delivery failed is held (status `incident`, linked to the
instance) and delivered again by the retry, so it is neither lost nor delivered twice.

A synchronous step (a professional completes a task and the script after it fails) is not an
incident: the request fails with a 422 problem and nothing changes, so the person sees it at once.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import defer

from ..engine import EngineError, ProcessRun, clock
from ..models import Message, ProcessInstance
from . import audit
from .actors import SYSTEM, Actor
from .errors import Conflict, Forbidden, InvalidInput, ProcessFailure
from .runs import history, load_run, save_run
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)
INCIDENT_ROLES = ("process-owner", "admin")


# -- recording (worker side) ------------------------------------------------------------------
def unexpected_error(exc: Exception) -> EngineError:
    """A failure that is not the diagram's (a bug): still an incident, never a stuck worker."""
    return EngineError(f"unexpected {exc.__class__.__name__}: {exc}")


def record_incident(
    instance_id: uuid.UUID,
    seen_version: int,
    error: EngineError,
    *,
    during: str,
    message_id: uuid.UUID | None = None,
) -> bool:
    """Put the instance in `error`, in its own transaction; False if it moved on meanwhile.

    `seen_version` is the version the failed step started from: if another worker stepped the
    instance since, its result stands and this failure no longer describes the instance.
    """
    with unit_of_work() as session:
        instance = session.get(
            ProcessInstance, instance_id, with_for_update=True, populate_existing=True
        )
        if instance is None or instance.version != seen_version or instance.status != "running":
            return False
        _park(session, instance, error, during, message_id)
    log.warning("incident on instance %s during %s: %s", instance_id, during, error.message)
    return True


def record_start_incident(message_id: uuid.UUID, definition, error: EngineError) -> bool:
    """A message-started instance whose first steps failed: keep it, waiting for its message.

    There is no earlier state to keep, so the instance is stored as freshly started (before the
    message), in `error`, with the message held for the retry.
    """
    with unit_of_work() as session:
        message = session.execute(
            select(Message).where(Message.id == message_id, Message.status == "queued").with_for_update()
        ).scalar_one_or_none()
        if message is None:
            return False  # another worker dealt with it
        from .deliveries import case_for_start

        case = case_for_start(session, message)
        run = ProcessRun.start(definition.content_hash, lambda: definition.spec, {})
        try:
            run.run()
        except EngineError:
            run = ProcessRun.start(definition.content_hash, lambda: definition.spec, {})
        from .instances import add_instance

        instance = add_instance(session, definition, case, SYSTEM, None, message, clock.now())
        save_run(session, instance, run, SYSTEM)
        _park(session, instance, error, "message start", message_id)
    log.warning("incident starting %s by message %s: %s", definition.key, message_id, error.message)
    return True


def _park(session, instance: ProcessInstance, error: EngineError, during: str, message_id) -> None:
    now = clock.now()
    instance.status = "error"
    instance.error = {
        **error.as_dict(),
        "during": during,
        "at": now.isoformat(),
        "messageId": str(message_id) if message_id else None,
    }
    # The worker looks only at running instances; the timer stays in the stored state.
    instance.next_timer_at = None
    if message_id is not None:
        message = session.get(Message, message_id, with_for_update=True, populate_existing=True)
        if message is not None:
            message.status = "incident"
            message.attempts += 1
            message.target_instance_id = instance.id
            message.next_attempt_at = None
            message.error = error.message
    history(
        session,
        instance,
        "incident",
        SYSTEM,
        element_id=error.element_id,
        data={"message": error.message, "line": error.line, "during": during},
    )


# -- handling (process owner side) ------------------------------------------------------------
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
    from ..extensions import db

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
    from . import deliveries
    from .instances import get_instance

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
    from ..extensions import db

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

