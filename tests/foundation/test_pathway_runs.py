"""Running instances through the service layer: steps, timers, messages, loops, conflicts."""

import contextlib
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import event, func, select

from app.models import HistoryEvent, HumanTask, Message, ProcessInstance, Timer
from app.services.access.actors import SYSTEM
from app.services.errors import Conflict, ProcessFailure
from app.services.instances import deliveries, timers
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from tests.support import make_actor

ANNA = make_actor("anna", ["wijkteam-triage"])
RUBEN = make_actor("ruben", ["wijkteam-regie"])


def _open_tasks(db, instance_id):
    return (
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        )
        .scalars()
        .all()
    )


def test_two_step_process_assigns_groups_due_dates_and_completes(deploy, db, clock):
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=ANNA, subject={"displayName": "Mw. X"})
    [task_a] = _open_tasks(db, instance.id)
    assert task_a.candidate_groups == ["wijkteam-triage"]
    assert task_a.due_at == clock.now.replace(day=4)  # P2D
    assert task_a.priority == 75
    assert tasks.list_tasks(RUBEN).total == 0  # not his group
    tasks.complete(task_a.id, {"naam": "Mw. X", "score": 3}, actor=ANNA)
    [task_b] = _open_tasks(db, instance.id)
    assert task_b.candidate_groups == ["wijkteam-regie", "ggz-fact"]
    assert task_b.due_at == clock.now.replace(day=3)  # =add_days(now(), 1)
    tasks.claim(task_b.id, actor=RUBEN)
    tasks.complete(task_b.id, {}, actor=RUBEN)
    db.session.expire_all()
    done = db.session.get(ProcessInstance, instance.id)
    assert done.status == "completed" and done.ended_at is not None
    kinds = [
        e.kind
        for e in db.session.execute(
            select(HistoryEvent).where(HistoryEvent.instance_id == instance.id).order_by(HistoryEvent.id)
        ).scalars()
    ]
    assert kinds.count("task_completed") == 2 and kinds[-1] == "instance_completed"


def test_form_data_is_validated_and_nothing_changes_on_error(deploy, db, clock):
    from app.services.errors import InvalidInput

    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=ANNA)
    [task_a] = _open_tasks(db, instance.id)
    with pytest.raises(InvalidInput) as info:
        tasks.complete(task_a.id, {"score": 9}, actor=ANNA)
    assert set(info.value.errors) == {"naam", "score"}
    db.session.expire_all()
    assert [t.id for t in _open_tasks(db, instance.id)] == [task_a.id]


def test_survives_a_process_restart_half_way(deploy, db, clock, app):
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=ANNA)
    [task_a] = _open_tasks(db, instance.id)
    tasks.complete(task_a.id, {"naam": "Mw. Y"}, actor=ANNA)
    # A fresh Python process (a restarted server) finds the task and finishes the pathway.
    script = (
        "from app import create_app\n"
        "from app.services.tasks import actions as tasks\n"
        "from app.services.access.actors import Actor\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    ruben = Actor('ruben', frozenset({'wijkteam-regie'}), frozenset({'professional'}))\n"
        "    [t] = tasks.list_tasks(ruben).items\n"
        "    tasks.complete(t.id, {}, actor=ruben)\n"
        "    print('done', t.name)\n"
    )
    env = {**os.environ, "ZORGPAD_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "done Stap B" in out.stdout
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "completed"


def test_boundary_timer_escalates_once_the_clock_passes_due(deploy, db, clock):
    deploy("escalation.bpmn")
    instance = instances.start_instance("escalation", actor=ANNA)
    [timer] = db.session.execute(select(Timer)).scalars().all()
    assert timer.due_at == clock.now.replace(day=4) and timer.status == "pending"
    clock.advance(days=1, hours=23)
    assert timers.fire_due_timers() == 0
    clock.advance(hours=2)
    assert timers.fire_due_timers() == 1
    db.session.expire_all()
    open_names = sorted(t.name for t in _open_tasks(db, instance.id))
    # Non-interrupting: the first-contact task stays, the case director gets an escalation.
    assert open_names == ["Eerste contact leggen", "Escaleren naar regievoerder"]
    escalation = next(t for t in _open_tasks(db, instance.id) if t.lane == "wijkteam-regie")
    assert escalation.candidate_groups == ["wijkteam-regie"]
    assert db.session.get(Timer, timer.id).status == "fired"
    assert timers.fire_due_timers() == 0  # fired once, not again


def test_message_starts_another_process_and_the_answer_continues_the_first(deploy, db, clock):
    deploy("messages.bpmn")
    sender = instances.start_instance("sender", actor=SYSTEM, subject={"displayName": "Dhr. Z"})
    [prepare] = _open_tasks(db, sender.id)
    tasks.complete(prepare.id, {"reden": "ZRM gedaald"}, actor=SYSTEM)
    receivers = (
        db.session.execute(select(ProcessInstance).where(ProcessInstance.process_key == "receiver"))
        .scalars()
        .all()
    )
    assert len(receivers) == 1 and receivers[0].case_id == sender.case_id
    [handle] = _open_tasks(db, receivers[0].id)
    tasks.complete(handle.id, {"besluit": "opschalen"}, actor=SYSTEM)
    db.session.expire_all()
    assert db.session.get(ProcessInstance, sender.id).status == "completed"
    statuses = db.session.execute(select(Message.name, Message.status)).all()
    assert sorted(statuses) == [("antwoord", "delivered"), ("verzoek", "delivered")]


def test_external_message_is_idempotent(deploy, db, clock):
    deploy("messages.bpmn")
    first, created = deliveries.send_message(
        "verzoek", {}, {"reden": "huisarts"}, actor=SYSTEM, idempotency_key="gp-123"
    )
    again, created_again = deliveries.send_message(
        "verzoek", {}, {"reden": "huisarts"}, actor=SYSTEM, idempotency_key="gp-123"
    )
    assert created and not created_again and first.id == again.id
    count = db.session.execute(
        select(func.count()).select_from(ProcessInstance).where(ProcessInstance.process_key == "receiver")
    ).scalar()
    assert count == 1


def test_two_concurrent_completions_exactly_one_succeeds(deploy, db, clock, app):
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=ANNA)
    [task_a] = _open_tasks(db, instance.id)
    db.session.remove()
    barrier = threading.Barrier(2, timeout=30)
    results = []

    def before_commit(session):
        # Both completions have read the same instance version before either writes.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    from app.engine.clock import using_clock

    def complete(user):
        with app.app_context(), using_clock(clock):
            from app.extensions import db as database

            event.listen(database.session(), "before_commit", before_commit)
            try:
                tasks.complete(task_a.id, {"naam": user}, actor=make_actor(user))
                results.append("ok")
            except Conflict:
                results.append("conflict")
            finally:
                database.session.remove()

    threads = [threading.Thread(target=complete, args=(u,)) for u in ("anna", "ans")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["conflict", "ok"]
    db.session.expire_all()
    completed = (
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        )
        .scalars()
        .all()
    )
    assert len(completed) == 1 and len(_open_tasks(db, instance.id)) == 1


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "x = open('/etc/hostname').read()",
        "x = ().__class__.__mro__[1].__subclasses__()",
    ],
)
def test_hostile_script_fails_clearly_and_changes_nothing(deploy, db, clock, script, monkeypatch):
    from app.services.definitions import checks as deployment_checks
    from app.services.errors import DeploymentRejected
    from tests.support import fixture_files

    files = fixture_files("evil_script.bpmn")
    files["evil_script.bpmn"] = files["evil_script.bpmn"].replace(b"EVIL", script.encode())
    with pytest.raises(DeploymentRejected) as refused:  # first line of defence: deployment
        deploy(files=files)
    assert refused.value.findings[0]["elementId"] == "bad"
    # Second line: should such a script ever get deployed, running it still fails cleanly.
    monkeypatch.setattr(deployment_checks, "validate_files", lambda files: [])
    deploy(files=files)
    instance = instances.start_instance("evil", actor=SYSTEM)
    [ask] = _open_tasks(db, instance.id)
    before = db.session.get(ProcessInstance, instance.id).version
    with pytest.raises(ProcessFailure) as info:
        tasks.complete(ask.id, {}, actor=SYSTEM)
    assert info.value.extra["error"]["elementId"] == "bad"
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).version == before
    assert [t.id for t in _open_tasks(db, instance.id)] == [ask.id]


def test_loop_runs_past_the_engine_depth_limit_with_constant_state(deploy, db, clock):
    """600 passes through the service layer: beyond SpiffWorkflow's ~500-pass stall."""
    deploy("loop.bpmn")
    instance = instances.start_instance("loop", actor=SYSTEM, variables={"target": 600})
    early, late = 0, 0
    for n in range(1, 601):
        [review] = _open_tasks(db, instance.id)
        tasks.complete(review.id, {}, actor=SYSTEM)
        if n < 600:
            db.session.expire_all()
            size = len(str(db.session.get(ProcessInstance, instance.id).state))
            if n <= 100:
                early = max(early, size)
            elif n >= 500:
                late = max(late, size)
    db.session.expire_all()
    done = db.session.get(ProcessInstance, instance.id)
    assert done.status == "completed"
    from app.services.instances.runs import load_run

    assert load_run(done).data["passes"] == 600
    assert late <= early * 1.1  # bounded: the loop's history is not kept in the state


def test_two_workers_fire_every_due_timer_exactly_once(deploy, db, clock, app):
    deploy("escalation.bpmn")
    started = [instances.start_instance("escalation", actor=ANNA).id for _ in range(12)]
    clock.advance(days=3)
    db.session.remove()
    from app.engine.clock import using_clock

    def work():
        with app.app_context(), using_clock(clock):
            from app.extensions import db as database

            try:
                timers.fire_due_timers()
            finally:
                database.session.remove()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    fired = (
        db.session.execute(select(HistoryEvent.instance_id).where(HistoryEvent.kind == "timer_fired"))
        .scalars()
        .all()
    )
    assert sorted(fired) == sorted(started)  # each instance's timer fired once, none twice
    escalations = db.session.execute(
        select(func.count()).select_from(HumanTask).where(HumanTask.element_id == "escalate")
    ).scalar()
    assert escalations == len(started)
