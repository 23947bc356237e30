"""Migrating running instances to a newer version: report, then all-or-nothing per instance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import HistoryEvent, HumanTask, ProcessInstance, Timer
from app.services.errors import Forbidden
from app.services.instances import lifecycle as instances
from app.services.instances import timers
from app.services.instances.migration import migrate_instances
from app.services.tasks import actions as tasks
from tests.owners.helpers import two_step_with_new_step, two_step_without_task_a
from tests.support import fixture_files, make_actor

ANNA = make_actor("anna", ["wijkteam-triage"])
OWNER = make_actor("olga", [], roles=("process-owner",))


def _open(db, instance_id):
    return (
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        )
        .scalars()
        .all()
    )


def test_report_then_migrate_adds_the_new_step_after_the_current_one(deploy, db, clock):
    deploy("two_step.bpmn", "stap-a.schema.json")
    first = instances.start_instance("two_step", actor=ANNA)
    second = instances.start_instance("two_step", actor=ANNA)
    [task_a] = _open(db, first.id)
    deploy(files=two_step_with_new_step())

    report = migrate_instances("two_step", from_version=1, actor=OWNER, dry_run=True)
    assert report["toVersion"] == 2 and report["migrated"] == 0
    assert [i["items"] for i in report["instances"]] == [
        [{"kind": "task", "elementId": "task_a", "name": "Stap A", "maps": True}]
    ] * 2
    db.session.expire_all()
    assert db.session.get(ProcessInstance, first.id).definition.version == 1

    result = migrate_instances("two_step", from_version=1, actor=OWNER, instance_ids=[first.id])
    assert result["migrated"] == 1 and [i["instanceId"] for i in result["instances"]] == [str(first.id)]
    db.session.expire_all()
    assert db.session.get(ProcessInstance, first.id).definition.version == 2
    assert db.session.get(ProcessInstance, second.id).definition.version == 1
    [still_a] = _open(db, first.id)
    assert still_a.id == task_a.id  # the inbox row survives
    tasks.complete(task_a.id, {"naam": "Mw. X"}, actor=ANNA)
    assert [t.element_id for t in _open(db, first.id)] == ["task_new"]
    kinds = db.session.execute(
        select(HistoryEvent.kind, HistoryEvent.data).where(
            HistoryEvent.instance_id == first.id, HistoryEvent.kind == "instance_migrated"
        )
    ).all()
    assert kinds[0].data["fromVersion"] == 1 and kinds[0].data["toVersion"] == 2


def test_an_instance_whose_task_is_gone_is_reported_and_left_alone(deploy, db, clock):
    deploy("two_step.bpmn", "stap-a.schema.json")
    at_a = instances.start_instance("two_step", actor=ANNA)
    at_b = instances.start_instance("two_step", actor=ANNA)
    [b_first] = _open(db, at_b.id)
    tasks.complete(b_first.id, {"naam": "Y"}, actor=ANNA)
    deploy(files=two_step_without_task_a())

    result = migrate_instances("two_step", from_version=1, to_version=2, actor=OWNER)
    by_id = {i["instanceId"]: i for i in result["instances"]}
    assert by_id[str(at_a.id)]["possible"] is False and by_id[str(at_a.id)]["migrated"] is False
    assert by_id[str(at_a.id)]["items"] == [
        {"kind": "task", "elementId": "task_a", "name": "Stap A", "maps": False}
    ]
    assert by_id[str(at_b.id)]["migrated"] is True, by_id[str(at_b.id)]
    db.session.expire_all()
    assert db.session.get(ProcessInstance, at_a.id).definition.version == 1
    assert db.session.get(ProcessInstance, at_b.id).definition.version == 2


def test_a_waiting_timer_keeps_its_due_time(deploy, db, clock):
    deploy("escalation.bpmn")
    instance = instances.start_instance("escalation", actor=ANNA)
    [timer] = db.session.execute(select(Timer)).scalars().all()
    files = fixture_files("escalation.bpmn")
    files["escalation.bpmn"] = files["escalation.bpmn"].replace(
        b'name="Eerste contact leggen"', b'name="Contact"'
    )
    deploy(files=files)
    clock.advance(days=1)
    result = migrate_instances("escalation", from_version=1, actor=OWNER)
    assert result["migrated"] == 1
    items = {i["kind"] for i in result["instances"][0]["items"]}
    assert {"task", "timer"} <= items
    db.session.expire_all()
    [same] = db.session.execute(select(Timer).where(Timer.status == "pending")).scalars().all()
    assert same.id == timer.id and same.due_at == timer.due_at
    clock.advance(days=1, hours=1)
    assert timers.fire_due_timers() == 1
    assert sorted(t.name for t in _open(db, instance.id)) == [
        "Eerste contact leggen",
        "Escaleren naar regievoerder",
    ]


def test_only_process_owners_migrate(deploy, db):
    deploy("two_step.bpmn", "stap-a.schema.json")
    with pytest.raises(Forbidden):
        migrate_instances("two_step", from_version=1, to_version=1, actor=ANNA)
