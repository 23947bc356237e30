"""Every state change and every client-data read leaves an audit row, in the same transaction."""

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, HistoryEvent
from app.services.errors import InvalidInput
from app.services.instances import creation
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from app.services.unit_of_work import unit_of_work
from tests.audit.conftest import ANNA, audit_rows, open_task


def test_every_history_event_has_its_audit_row(db, pathway):
    instance = pathway()
    history = db.session.execute(
        select(HistoryEvent).where(HistoryEvent.instance_id == instance.id).order_by(HistoryEvent.id)
    ).scalars().all()
    rows = [r for r in audit_rows(db, instance_id=instance.id) if r.action != "R"]
    assert len(rows) == len(history)
    assert [r.element_id for r in rows] == [h.element_id for h in history]
    started = rows[0]
    assert (started.action, started.event_type, started.user) == ("C", "instance.started", "anna")
    assert started.organisation == "wijkteam-noord" and started.address == "10.0.0.7"
    assert started.purpose == "care" and started.role == "professional"
    assert started.case_pseudonym and started.process_key == "beslissing"
    completed = next(r for r in rows if r.event_type == "task.completed")
    assert completed.action == "U"
    assert completed.details["data"] == {"scores": [3, 1, 4], "bekend_bij_fact": False}


def test_a_decision_records_inputs_matched_rules_and_outputs(db, pathway):
    instance = pathway(scores=(3, 4), fact=True)
    [decision] = [r for r in audit_rows(db, instance_id=instance.id) if r.event_type == "decision.evaluated"]
    evidence = decision.details["decision"]
    assert {i["expression"]: i["value"] for i in evidence["inputs"]} == {
        "min(scores)": 3,
        "bekend_bij_fact": True,
    }
    matched = [(m["id"], m["applied"]) for m in evidence["matchedRules"]]
    assert matched == [("r_fact", True), ("r_rest", False)]
    assert evidence["matchedRules"][0]["annotation"] == "Bekend bij FACT: zware route"
    assert evidence["outputs"] == {"route": "zwaar"}
    # The engine acted because anna completed the task: it acts for her.
    assert decision.user == "system" and decision.acting_for == "anna"


def test_a_rolled_back_change_leaves_no_audit_row(db, pathway):
    instance = pathway()
    before = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    task = open_task(instance.id)
    with pytest.raises(RuntimeError), unit_of_work() as session:
        tasks.claim(task.id, actor=ANNA)  # its own committed transaction
        from app.services.instances.runs import history

        history(session, task.instance, "task_assigned", ANNA, task_id=task.id)
        raise RuntimeError("crash before commit")
    rows = audit_rows(db)
    assert len(rows) == before + 1 and rows[-1].event_type == "task.claimed"
    with pytest.raises(InvalidInput):
        instances.cancel_instance(instance.id, actor=ANNA, reason=" ")
    assert len(audit_rows(db)) == before + 1


def test_reads_and_searches_are_logged_and_not_duplicated_by_changes(db, pathway):
    instance = pathway()
    task = open_task(instance.id)
    before = len(audit_rows(db))
    tasks.get_task(db.session, task.id, ANNA)
    creation.get_instance(db.session, instance.id, ANNA)
    tasks.list_tasks(ANNA)
    db.session.commit()
    reads = audit_rows(db)[before:]
    assert [(r.action, r.event_type) for r in reads] == [
        ("R", "task.read"),
        ("R", "instance.read"),
        ("E", "task.searched"),
        ("R", "task.listed"),
    ]
    assert all(r.user == "anna" for r in reads)
    assert reads[0].case_id == instance.case_id and reads[3].case_id == instance.case_id
    count = len(audit_rows(db))
    tasks.claim(task.id, actor=ANNA)  # reads the task first: the change row says enough
    assert [r.event_type for r in audit_rows(db)[count:]] == ["task.claimed"]


def test_deployments_are_logged(db, pathway):
    [row] = audit_rows(db, event_type="deployment.created")
    assert row.action == "C" and row.object_type == "Deployment"
    assert {f["name"] for f in row.details["files"]} == {"beslissing.bpmn", "route_besluit.dmn"}


def test_break_glass_purpose_is_flagged(db, pathway):
    instance = pathway()
    emergency = ANNA.with_context(purpose="break-glass")
    creation.get_instance(db.session, instance.id, emergency)
    db.session.commit()
    assert audit_rows(db)[-1].break_glass is True
