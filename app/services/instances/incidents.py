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

from sqlalchemy import select

from app.engine import EngineError, ProcessRun, clock
from app.models import Message, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.instances.creation import add_instance, case_for_start
from app.services.instances.runs import history, save_run
from app.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


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
        case = case_for_start(session, message)
        run = ProcessRun.start(definition.content_hash, lambda: definition.spec, {})
        try:
            run.run()
        except EngineError:
            run = ProcessRun.start(definition.content_hash, lambda: definition.spec, {})
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
