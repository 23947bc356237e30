"""Incidents: a failing timer or message step parks its instance in `error`, nothing else."""

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, HistoryEvent, HumanTask, Message, ProcessInstance, Timer
from app.services.access import identity
from app.services.access.actors import SYSTEM
from app.services.errors import Conflict, Forbidden, ProcessFailure
from app.services.instances import deliveries, timers
from app.services.instances import lifecycle as instances
from app.services.instances import repairs as incidents
from app.services.tasks import actions as tasks
from tests.support import fixture_files, make_actor

OLAF = make_actor("olaf", groups=(), roles=("process-owner",))
ANNA = make_actor("anna", ["wijkteam-triage"])


def deploy_with(deploy, name: str, placeholder: str, value: str, *extra: str):
    files = fixture_files(name, *extra)
    files[name] = files[name].replace(placeholder.encode(), value.encode())
    return deploy(files=files)


def deploy_decision(deploy, hit_policy="FIRST"):
    files = fixture_files("timer_decision.bpmn", "route.dmn")
    files["route.dmn"] = files["route.dmn"].replace(b"HITPOLICY", hit_policy.encode())
    return deploy(files=files)


def reload(db, instance_id) -> ProcessInstance:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id)


def kinds(db, instance_id) -> list[str]:
    return list(
        db.session.execute(
            select(HistoryEvent.kind).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)
        ).scalars()
    )


def open_task_names(db, instance_id) -> list[str]:
    return sorted(
        db.session.execute(
            select(HumanTask.name).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        ).scalars()
    )


def test_failing_script_after_a_timer_becomes_an_incident_and_others_carry_on(deploy, db, clock):
    deploy_with(deploy, "timer_script.bpmn", "SCRIPT", "uitkomst = 10 / deler")
    bad = instances.start_instance("timer_script", actor=SYSTEM, variables={"deler": 0})
    good = instances.start_instance("timer_script", actor=SYSTEM, variables={"deler": 5})
    state_before = reload(db, bad.id).state
    clock.advance(hours=2)

    assert timers.fire_due_timers() == 2
    failed, fine = reload(db, bad.id), reload(db, good.id)
    assert failed.status == "error" and failed.next_timer_at is None
    assert failed.error["elementId"] == "compute" and failed.error["during"] == "timer"
    assert "division" in failed.error["message"].lower() and failed.error["line"] == 1
    assert failed.state == state_before  # last good state: still waiting on the timer
    assert open_task_names(db, bad.id) == []
    assert kinds(db, bad.id)[-1] == "incident" and "timer_fired" not in kinds(db, bad.id)
    assert fine.status == "running" and open_task_names(db, good.id) == ["Verder"]
    assert timers.fire_due_timers() == 0  # the incident is not retried by the worker

    page = incidents.list_incidents(OLAF)
    assert page.total == 1 and page.items[0].id == bad.id
    assert incidents.list_incidents(OLAF, process_key="other").total == 0
    assert incidents.list_incidents(OLAF, element_id="compute").total == 1


def test_correct_and_retry_runs_the_failed_step_once(deploy, db, clock):
    deploy_with(deploy, "timer_script.bpmn", "SCRIPT", "uitkomst = 10 / deler")
    bad = instances.start_instance("timer_script", actor=SYSTEM, variables={"deler": 0})
    clock.advance(hours=2)
    timers.fire_due_timers()

    with pytest.raises(ProcessFailure):
        incidents.retry(bad.id, actor=OLAF)  # nothing fixed: fails again, stays an incident
    assert reload(db, bad.id).status == "error"

    resolved = incidents.correct_and_retry(bad.id, {"deler": 2}, actor=OLAF)
    assert resolved.status == "running" and resolved.error is None
    assert open_task_names(db, bad.id) == ["Verder"]
    from app.services.instances.runs import load_run

    assert load_run(reload(db, bad.id)).data["uitkomst"] == 5
    history = kinds(db, bad.id)
    assert history.count("timer_fired") == 1 and history.count("incident_resolved") == 1
    assert db.session.execute(select(Timer.status).where(Timer.instance_id == bad.id)).scalar() == "fired"
    with pytest.raises(Conflict):
        incidents.retry(bad.id, actor=OLAF)  # resolved already


def test_only_process_owners_see_and_retry_incidents(deploy, db, clock):
    deploy_with(deploy, "timer_script.bpmn", "SCRIPT", "uitkomst = 10 / deler")
    bad = instances.start_instance("timer_script", actor=SYSTEM, variables={"deler": 0})
    clock.advance(hours=2)
    timers.fire_due_timers()
    with pytest.raises(Forbidden):
        incidents.list_incidents(ANNA)
    with pytest.raises(Forbidden):
        incidents.correct_and_retry(bad.id, {"deler": 1}, actor=ANNA)
    assert reload(db, bad.id).status == "error"


@pytest.mark.parametrize("hit_policy", ["FIRST", "UNIQUE"])
def test_decision_without_a_matching_rule_is_an_incident(deploy, db, clock, hit_policy):
    deploy_decision(deploy, hit_policy)
    unknown = instances.start_instance("timer_decision", actor=SYSTEM, variables={"urgentie": "onbekend"})
    known = instances.start_instance("timer_decision", actor=SYSTEM, variables={"urgentie": "hoog"})
    clock.advance(hours=2)
    timers.fire_due_timers()
    failed = reload(db, unknown.id)
    assert failed.status == "error" and failed.error["elementId"] == "decide"
    assert "no rule" in failed.error["message"] and "Urgentie" in failed.error["message"]
    assert "onbekend" not in failed.error["message"]  # labels, not the case's values
    assert reload(db, known.id).status == "running"

    incidents.correct_and_retry(unknown.id, {"urgentie": "laag"}, actor=OLAF)
    from app.services.instances.runs import load_run

    assert load_run(reload(db, unknown.id)).data["route"] == "wijkteam"


def test_failing_message_receipt_holds_the_message_for_the_retry(deploy, db, clock):
    deploy(files=fixture_files("message_script.bpmn"))
    waiting = instances.start_instance("wachter", actor=SYSTEM, subject={"displayName": "Mw. K"})
    case = str(waiting.case_id)
    message, created = deliveries.send_message("uitslag", {"case": case}, {"geen_score": 1}, actor=SYSTEM)
    assert created
    failed = reload(db, waiting.id)
    assert failed.status == "error" and failed.error["elementId"] == "w_compute"
    assert failed.error["during"] == "message" and failed.error["messageId"] == str(message.id)
    held = db.session.get(Message, message.id)
    assert held.status == "incident" and held.target_instance_id == waiting.id
    assert "message_received" not in kinds(db, waiting.id)
    assert deliveries.deliver_due() == 0  # the worker leaves a held message alone

    with pytest.raises(ProcessFailure):
        incidents.retry(waiting.id, actor=OLAF)  # the held message is delivered again, fails again
    assert db.session.get(Message, message.id).status == "incident"
    # Stand-in for a fix (there is no migration to a fixed diagram version yet): the sender's
    # data was wrong, so an operator corrects the held message, then the owner retries.
    db.session.get(Message, message.id).payload = {"score": 4}
    db.session.commit()
    incidents.retry(waiting.id, actor=OLAF)
    assert reload(db, waiting.id).status == "running"
    assert open_task_names(db, waiting.id) == ["Uitslag bespreken"]
    assert db.session.get(Message, message.id).status == "delivered"


def test_failing_start_by_message_keeps_an_instance_in_error(deploy, db, clock):
    deploy(files=fixture_files("message_script.bpmn"))
    message, _ = deliveries.send_message(
        "aanmelding", {}, {"subject": {"displayName": "Dhr. L"}}, actor=SYSTEM, idempotency_key="k-1"
    )
    [instance] = db.session.execute(
        select(ProcessInstance).where(ProcessInstance.process_key == "aanmelder")
    ).scalars()
    assert instance.status == "error" and instance.error["during"] == "message start"
    assert instance.case_id is not None
    assert db.session.get(Message, message.id).status == "incident"
    assert deliveries.deliver_due() == 0

    # A caught message sets its variable again on delivery, so a data correction cannot reach
    # it; stand-in for a resend with the right data: correct the held message itself.
    db.session.get(Message, message.id).payload = {"geboortejaar": 1980}
    db.session.commit()
    resolved = incidents.retry(instance.id, actor=OLAF)
    assert resolved.status == "running"
    assert open_task_names(db, instance.id) == ["Aanmelding behandelen"]
    count = db.session.execute(select(func.count()).select_from(ProcessInstance)).scalar()
    assert count == 1


def test_synchronous_completion_keeps_the_422_and_changes_nothing(deploy, db, clock):
    """A professional completing a task sees the failure at once; it is not an incident."""
    from tests.support import fixture_files as files_of

    files = files_of("evil_script.bpmn")
    files["evil_script.bpmn"] = files["evil_script.bpmn"].replace(b"EVIL", b"x = 1 / 0")
    deploy(files=files)
    instance = instances.start_instance("evil", actor=SYSTEM)
    [ask] = db.session.execute(select(HumanTask).where(HumanTask.instance_id == instance.id)).scalars()
    with pytest.raises(ProcessFailure):
        tasks.complete(ask.id, {}, actor=SYSTEM)
    assert reload(db, instance.id).status == "running"
    assert incidents.list_incidents(OLAF).total == 0


def test_incidents_api(app, deploy, db, clock):
    deploy_with(deploy, "timer_script.bpmn", "SCRIPT", "uitkomst = 10 / deler")
    bad = instances.start_instance("timer_script", actor=SYSTEM, variables={"deler": 0})
    clock.advance(hours=2)
    timers.fire_due_timers()
    identity.add_user("olaf", roles=["process-owner"])
    identity.add_user("anna", roles=["professional"])
    owner = {"Authorization": f"Bearer {identity.issue_token('olaf')}"}
    professional = {"Authorization": f"Bearer {identity.issue_token('anna')}"}

    def call(method, url, headers=None, **kwargs):
        from flask import g

        # The db fixture's app context is shared with test-client requests: forget the last actor.
        g.pop("actor", None)
        return getattr(app.test_client(), method)(url, headers=headers or {}, **kwargs)

    assert call("get", "/api/v1/incidents").status_code == 401
    assert call("get", "/api/v1/incidents", professional).status_code == 403
    listed = call("get", "/api/v1/incidents", owner)
    assert listed.status_code == 200 and listed.json["total"] == 1
    [item] = listed.json["items"]
    assert item["instanceId"] == str(bad.id) and item["elementId"] == "compute" and item["line"] == 1
    db.session.expire_all()
    logged = db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type.like("incident.%")).order_by(AuditEvent.seq)
    ).scalars().all()
    assert [(r.action, r.event_type, r.user) for r in logged] == [
        ("E", "incident.searched", "olaf"),
        ("R", "incident.listed", "olaf"),
    ]
    assert logged[1].object_id == str(bad.id)
    assert logged[1].details == {"incidents": [{"id": str(bad.id), "name": "timer_script"}]}

    again = call("post", f"/api/v1/incidents/{bad.id}/retry", owner, json={})
    assert again.status_code == 422 and again.json["error"]["elementId"] == "compute"
    fixed = call("post", f"/api/v1/incidents/{bad.id}/retry", owner, json={"variables": {"deler": 5}})
    assert fixed.status_code == 200 and fixed.json["status"] == "running"
    assert call("post", f"/api/v1/incidents/{bad.id}/retry", owner, json={}).status_code == 409
    assert call("post", "/api/v1/incidents/not-an-id/retry", owner, json={}).status_code == 404


def test_a_message_that_keeps_failing_backs_off_instead_of_looping(deploy, db, clock, monkeypatch):
    """Not an engine failure (e.g. a bug): the failed attempt still counts, in a fresh transaction."""
    deploy(files=fixture_files("message_script.bpmn"))

    def broken(message_id):
        raise Conflict("simulated failure outside the engine")

    monkeypatch.setattr(deliveries, "_deliver", broken)
    message, _ = deliveries.send_message("uitslag", {"case": "nobody"}, {}, actor=SYSTEM)
    db.session.expire_all()
    row = db.session.get(Message, message.id)
    assert row.status == "queued" and row.attempts == 1 and row.next_attempt_at > clock.now
    assert deliveries.deliver_due() == 0  # not due again yet: no busy loop
    clock.advance(minutes=1)
    assert deliveries.deliver_due() == 1
    db.session.expire_all()
    assert db.session.get(Message, message.id).attempts == 2
