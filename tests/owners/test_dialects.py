"""Diagrams written by a real modeller (bpmn-js) in three dialects deploy and run end to end."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.models import HumanTask, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from tests.support import FIXTURES, make_actor

MODELLERS = FIXTURES / "modellers"
TRIAGE = make_actor("anna", ["wijkteam-triage"])
REGIE = make_actor("ruben", ["wijkteam-regie"])


def _files(*names: str) -> dict[str, bytes]:
    return {name: (MODELLERS / name).read_bytes() for name in (*names, "intake.schema.json")}


def _open(db, instance_id) -> list[HumanTask]:
    return list(
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        ).scalars()
    )


def _status(db, instance_id) -> str:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).status


def test_the_fixtures_were_saved_by_bpmn_js():
    for path in Path(MODELLERS).glob("*.bpmn"):
        assert 'exporter="bpmn-js"' in path.read_text(), path.name


def test_camunda_attributes_drive_groups_forms_due_dates_and_conditions(db, clock):
    result = deploy(_files("camunda_intake.bpmn"), actor=SYSTEM)
    assert [c["key"] for c in result.created] == ["camunda_intake"]
    instance = instances.start_instance("camunda_intake", actor=SYSTEM)
    [intake] = _open(db, instance.id)
    assert intake.candidate_groups == ["wijkteam-triage"] and intake.form_key == "intake.schema.json"
    assert intake.due_at == clock.now.replace(day=4) and intake.priority == 75
    tasks.complete(intake.id, {"score": 4}, actor=TRIAGE)
    [overleg] = _open(db, instance.id)
    assert overleg.element_id == "ut_overleg" and overleg.candidate_groups == ["wijkteam-regie"]
    tasks.complete(overleg.id, {}, actor=REGIE)
    assert _status(db, instance.id) == "completed"

    light = instances.start_instance("camunda_intake", actor=SYSTEM)
    [intake] = _open(db, light.id)
    tasks.complete(intake.id, {"score": 1}, actor=TRIAGE)  # the gateway's default flow
    assert _status(db, light.id) == "completed"


def test_spiff_extensions_drive_form_groups_and_scripts(db, clock):
    deploy(_files("spiff_signaal.bpmn"), actor=SYSTEM)
    instance = instances.start_instance("spiff_signaal", actor=SYSTEM)
    [signaal] = _open(db, instance.id)
    assert signaal.candidate_groups == ["wijkteam-regie"] and signaal.form_key == "intake.schema.json"
    done = tasks.complete(signaal.id, {"score": 5}, actor=REGIE)
    assert done is not None
    assert _status(db, instance.id) == "completed"


def test_plain_bpmn_lanes_are_the_groups(db, clock):
    deploy(_files("plain_lanes.bpmn"), actor=SYSTEM)
    instance = instances.start_instance("plain_lanes", actor=TRIAGE)  # its start lane may start it
    [first] = _open(db, instance.id)
    assert first.candidate_groups == ["wijkteam-triage"]
    tasks.complete(first.id, {}, actor=TRIAGE)
    [second] = _open(db, instance.id)
    assert second.candidate_groups == ["wijkteam-regie"]
    tasks.complete(second.id, {}, actor=REGIE)
    assert _status(db, instance.id) == "completed"
