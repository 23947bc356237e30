"""Regression: a timer polled at exactly its due moment must not be lost.

SpiffWorkflow fires a timer once its due time has *passed* (`due < now`). The worker used to
pick instances with `next_timer_at <= now`; at exactly the due moment the engine fired
nothing, and the worker then cleared `next_timer_at`, so the timer never fired at all.
"""

from sqlalchemy import select

from app.models import HumanTask, ProcessInstance, Timer
from app.services.instances import lifecycle as instances
from app.services.instances import timers
from tests.support import make_actor

ANNA = make_actor("anna", ["wijkteam-triage"])


def test_timer_polled_exactly_at_its_due_moment_still_fires_later(deploy, db, clock):
    deploy("escalation.bpmn")
    instance = instances.start_instance("escalation", actor=ANNA)
    [timer] = db.session.execute(select(Timer)).scalars().all()
    clock.advance(days=2)
    assert clock.now == timer.due_at
    timers.fire_due_timers()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).next_timer_at == timer.due_at
    clock.advance(seconds=1)
    assert timers.fire_due_timers() == 1
    db.session.expire_all()
    names = sorted(
        t.name
        for t in db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        ).scalars()
    )
    assert names == ["Eerste contact leggen", "Escaleren naar regievoerder"]
    assert db.session.get(Timer, timer.id).status == "fired"
