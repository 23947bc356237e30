"""Races on PostgreSQL: many threads and processes on one task, one message key, one timer.

No lost update, nothing done twice, nobody left hanging. SQLite serialises writers, so these run
on PostgreSQL only.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.models import HistoryEvent, HumanTask, Message, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.errors import Conflict
from app.services.instances import deliveries
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from tests.reliability.support import (
    ROOT,
    assert_rows_match_engine_state,
    env_for,
    race,
    require_postgresql,
    start_worker,
    stop,
    wait_for,
)
from tests.support import make_actor

THREADS = 16


def _count(db, model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def _history(db, kind: str, instance_id=None) -> int:
    where = [HistoryEvent.kind == kind]
    if instance_id is not None:
        where.append(HistoryEvent.instance_id == instance_id)
    return _count(db, HistoryEvent, *where)


def _first_task(db, instance_id) -> HumanTask:
    return db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).scalar_one()


def test_many_threads_claim_one_task_exactly_one_wins(deploy, db, clock, app):
    require_postgresql(db)
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=SYSTEM)
    task_id = _first_task(db, instance.id).id
    db.session.remove()

    results = race(app, clock, THREADS, lambda i: tasks.claim(task_id, actor=make_actor(f"user{i}")).assignee)
    winners = [value for status, value in results if status == "ok"]
    assert len(winners) == 1
    assert all(isinstance(v, Conflict) for s, v in results if s == "error")
    assert db.session.get(HumanTask, task_id).assignee == winners[0]
    assert _history(db, "task_claimed", instance.id) == 1


def test_many_threads_complete_one_task_exactly_once(deploy, db, clock, app):
    require_postgresql(db)
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=SYSTEM)
    task_id = _first_task(db, instance.id).id
    db.session.remove()

    def complete(i):
        return tasks.complete(task_id, {"naam": f"poging {i}"}, actor=make_actor(f"user{i}")).completed_by

    results = race(app, clock, THREADS, complete)
    assert sum(1 for s, _ in results if s == "ok") == 1
    assert all(isinstance(v, Conflict) for s, v in results if s == "error"), results
    assert _history(db, "task_completed", instance.id) == 1
    names = db.session.execute(select(HumanTask.name).where(HumanTask.instance_id == instance.id)).scalars()
    assert sorted(names) == ["Stap A", "Stap B"]  # the next step created once
    assert assert_rows_match_engine_state(db) == 1


def test_claims_and_completions_on_many_instances_lose_nothing(deploy, db, clock, app):
    require_postgresql(db)
    deploy("two_step.bpmn", "stap-a.schema.json")
    ids = [_first_task(db, instances.start_instance("two_step", actor=SYSTEM).id).id for _ in range(8)]
    db.session.remove()

    def work(i):
        task_id = ids[i % len(ids)]
        user = make_actor(f"user{i}")
        if i < len(ids):
            return tasks.claim(task_id, actor=user).assignee
        return tasks.complete(task_id, {"naam": "x"}, actor=user).completed_by

    results = race(app, clock, 4 * len(ids), work)
    assert all(isinstance(v, Conflict) for s, v in results if s == "error"), results
    completed = db.session.execute(select(HumanTask).where(HumanTask.status == "completed")).scalars().all()
    assert len({t.instance_id for t in completed}) == len(completed)  # none completed twice
    assert _history(db, "task_completed") == len(completed)
    assert assert_rows_match_engine_state(db) == len(ids)


def test_processes_racing_on_one_completion(deploy, db, clock, app):
    require_postgresql(db)
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=SYSTEM)
    task_id = _first_task(db, instance.id).id
    db.session.remove()
    script = (
        "import sys, time\n"
        "from app import create_app\n"
        "from app.services.tasks import actions as tasks\n"
        "from app.services.errors import Conflict\n"
        "from tests.support import make_actor\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    time.sleep(max(0, float(sys.argv[2]) - time.time()))  # start together\n"
        "    try:\n"
        "        tasks.complete(sys.argv[1], {'naam': 'p'}, actor=make_actor('p' + sys.argv[3]))\n"
        "        print('ok')\n"
        "    except Conflict:\n"
        "        print('conflict')\n"
    )
    import time

    at = str(time.time() + 4)
    env = env_for(app.config["SQLALCHEMY_DATABASE_URI"], ZORGPAD_LOG_LEVEL="WARNING")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(task_id), at, str(n)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(6)
    ]
    outcomes = []
    for p in procs:
        out, err = p.communicate(timeout=90)
        assert p.returncode == 0, err
        outcomes.append(out.strip())
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert _history(db, "task_completed", instance.id) == 1


def test_same_idempotency_key_from_many_threads_is_one_message(deploy, db, clock, app):
    require_postgresql(db)
    deploy("messages.bpmn")
    db.session.remove()

    def send(i):
        message, created = deliveries.send_message(
            "verzoek", {}, {"reden": f"poging {i}"}, actor=SYSTEM, idempotency_key="huisarts-77"
        )
        return message.id, created

    results = race(app, clock, THREADS, send)
    assert all(s == "ok" for s, _ in results), results
    assert len({v[0] for _, v in results}) == 1
    assert sum(1 for _, v in results if v[1]) == 1
    assert _count(db, Message) == 1
    assert _count(db, ProcessInstance, ProcessInstance.process_key == "receiver") == 1


def test_two_worker_processes_fire_each_timer_and_deliver_each_message_once(deploy, db, clock, app, tmp_path):
    require_postgresql(db)
    deploy("escalation.bpmn", "messages.bpmn")
    # Started three days ago by the movable clock: the workers (real clock) find the timers due.
    clock.now = datetime.now(UTC) - timedelta(days=3)
    escalations = [instances.start_instance("escalation", actor=SYSTEM).id for _ in range(20)]
    senders = {}
    for _ in range(20):
        sender = instances.start_instance("sender", actor=SYSTEM, subject={"displayName": "X"})
        tasks.complete(_first_task(db, sender.id).id, {"reden": "r"}, actor=SYSTEM)
        senders[sender.id] = str(sender.case_id)
    # Answers queued as an outbox would hold them, for the workers to deliver.
    for case_id in senders.values():
        db.session.add(
            Message(
                name="antwoord", correlation={"case": case_id}, payload={"besluit": "ok"},
                status="queued", created_at=clock.now, next_attempt_at=clock.now, attempts=0,
            )
        )
    db.session.commit()
    db.session.remove()

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [start_worker(url, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        def all_done():
            db.session.rollback()
            return _history(db, "timer_fired") >= 20 and _count(db, Message, Message.status == "queued") == 0

        wait_for(all_done, 90, "every timer fired and every message delivered")
    finally:
        codes = [stop(w) for w in workers]
    assert codes == [0, 0], [(tmp_path / f"worker{n}.log").read_text()[-2000:] for n in range(2)]
    db.session.rollback()
    for instance_id in escalations:
        assert _history(db, "timer_fired", instance_id) == 1
    for sender_id in senders:
        assert _history(db, "message_received", sender_id) == 1
        assert db.session.get(ProcessInstance, sender_id).status == "completed"
    assert _count(db, Message, Message.status != "delivered") == 0
    assert assert_rows_match_engine_state(db) > 0
    logs = "".join((tmp_path / f"worker{n}.log").read_text() for n in range(2))
    assert '"message": "worker stopped"' in logs  # JSON lines, and a clean stop
