"""Fire due timers: each instance in its own transaction, locked so no timer fires twice."""

from __future__ import annotations

import logging

from sqlalchemy import select

from ..engine import EngineError, clock
from ..models import ProcessInstance
from . import deliveries
from .actors import SYSTEM
from .runs import history, load_run, save_run
from .unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def fire_due_timers(limit: int = 100) -> int:
    """Step every instance whose next timer is due; returns how many instances were stepped."""
    stepped = 0
    for _ in range(limit):
        message_ids: list = []
        with unit_of_work() as session:
            now = clock.now()
            instance = session.execute(
                select(ProcessInstance)
                # Strictly past due, as SpiffWorkflow decides (`due < now`): at the exact due
                # moment the engine fires nothing, and the branch below would drop the timer.
                .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at < now)
                .order_by(ProcessInstance.next_timer_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if instance is None:
                break
            run = load_run(instance)
            try:
                run.fire_due_timers()
            except EngineError as exc:
                _mark_incident(session, instance, exc)
            else:
                message_ids = [m.id for m in save_run(session, instance, run, SYSTEM)]
                if instance.next_timer_at is not None and instance.next_timer_at < now:
                    # The engine did not consume it (e.g. the timer's task was already done).
                    log.warning("timer of %s still due after firing; rescheduling", instance.id)
                    instance.next_timer_at = None
        stepped += 1
        deliveries.deliver_now(message_ids)
    return stepped


def _mark_incident(session, instance: ProcessInstance, exc: EngineError) -> None:
    """Keep the last good state, stop retrying, and make the failure visible."""
    instance.status = "error"
    instance.error = {**exc.as_dict(), "at": clock.now().isoformat(), "during": "timer"}
    instance.next_timer_at = None
    history(
        session,
        instance,
        "incident",
        SYSTEM,
        element_id=exc.element_id,
        data={"message": exc.message},
    )
