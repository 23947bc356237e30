"""Fire due timers: each instance in its own transaction, locked so no timer fires twice.

A step that fails (a script, condition or decision after the timer) is rolled back and becomes
an incident (`services.incidents`): the instance keeps its last good state and the worker moves
on to the next instance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.engine import EngineError, clock
from app.models import ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.errors import Conflict
from app.services.instances import deliveries, incidents
from app.services.instances.runs import load_run, save_run
from app.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
RETRY_DELAY = timedelta(minutes=1)


class _StepFailed(Exception):
    """Carries a failed step out of its transaction, which rolls back on the way."""

    def __init__(self, instance_id, version, error: EngineError):
        super().__init__(error.message)
        self.instance_id, self.version, self.error = instance_id, version, error


def fire_due_timers(limit: int = 100, should_stop: Callable[[], bool] | None = None) -> int:
    """Step every instance whose next timer is due; returns how many instances were stepped.

    `should_stop` is asked between instances, so a worker told to stop finishes the step in hand
    and no other.
    """
    stepped = 0
    for _ in range(limit):
        if should_stop is not None and should_stop():
            break
        try:
            message_ids = _fire_next()
        except Conflict:
            # Another worker stepped this instance at the same moment; its result stands.
            log.info("timer round lost a race; moving on")
            continue
        except _StepFailed as failed:
            incidents.record_incident(failed.instance_id, failed.version, failed.error, during="timer")
            stepped += 1
            continue
        if message_ids is None:
            break
        stepped += 1
        deliveries.deliver_now(message_ids)
    return stepped


def _fire_next() -> list | None:
    """Fire the earliest due instance's timers; None when nothing is due."""
    with unit_of_work() as session:
        now = clock.now()
        instance = session.execute(
            select(ProcessInstance)
            # Strictly earlier: SpiffWorkflow fires a timer only once its due time has passed.
            .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at < now)
            .order_by(ProcessInstance.next_timer_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if instance is None:
            return None
        instance_id, version = instance.id, instance.version
        try:
            run = load_run(instance)
            run.fire_due_timers()
            message_ids = [m.id for m in save_run(session, instance, run, SYSTEM)]
        except EngineError as exc:
            raise _StepFailed(instance_id, version, exc) from exc
        except SQLAlchemyError:
            raise
        except Exception as exc:  # a bug must not make this instance block every round
            log.exception("firing the timers of instance %s failed", instance_id)
            raise _StepFailed(instance_id, version, incidents.unexpected_error(exc)) from exc
        if instance.next_timer_at is not None and instance.next_timer_at < now:
            # Not consumed by the engine: look again a little later rather than spin or lose it.
            log.warning("timer of instance %s still due after firing; retrying later", instance.id)
            instance.next_timer_at = now + RETRY_DELAY
    return message_ids
