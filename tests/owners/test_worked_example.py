"""The guide's worked example: add a step to triage, validate, deploy, migrate running cases."""

from __future__ import annotations

from sqlalchemy import select

from app.models import HumanTask
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy, read_directory
from app.services.instances import lifecycle as instances
from app.services.instances.migration import migrate_instances
from app.services.tasks import actions as tasks
from tests.support import FIXTURES, make_actor

ROOT = FIXTURES.parents[1]
ANNA = make_actor("anna", ["wijkteam-triage"])
OWNER = make_actor("olga", [], roles=("process-owner",))
OLD_FLOW = (
    b'<bpmn:sequenceFlow id="flow_ut_eerste_contact_ut_vraagverkenning" '
    b'sourceRef="ut_eerste_contact" targetRef="ut_vraagverkenning" />'
)
NEW_STEP = (
    b'<bpmn:sequenceFlow id="flow_ut_eerste_contact_ut_toestemming" '
    b'sourceRef="ut_eerste_contact" targetRef="ut_toestemming" />'
    b'<bpmn:userTask id="ut_toestemming" name="Toestemming vastleggen" '
    b'camunda:candidateGroups="wijkteam-triage" camunda:dueDate="P1D" />'
    b'<bpmn:sequenceFlow id="flow_ut_toestemming_ut_vraagverkenning" '
    b'sourceRef="ut_toestemming" targetRef="ut_vraagverkenning" />'
)
MELDING = {
    "bewoner": {"naam": "A. Bewoner", "telefoon": "0600000000"},
    "vraag_eigen_woorden": "Ik red het niet meer",
    "melder_rol": "huisarts",
    "toestemming_bewoner": "ja",
    "acute_signalen": [],
}


def _open(db, instance_id):
    return list(
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        ).scalars()
    )


def test_add_a_step_to_triage_and_migrate_a_running_case(db, clock):
    files = read_directory(ROOT / "processes", ROOT / "forms")
    deploy(files, actor=SYSTEM)
    case = instances.start_instance("triage", actor=SYSTEM, variables={"vraag": "hulp"})
    [melding] = _open(db, case.id)
    tasks.complete(melding.id, MELDING, actor=ANNA)
    [contact] = _open(db, case.id)
    assert contact.element_id == "ut_eerste_contact"

    assert OLD_FLOW in files["triage.bpmn"]
    files["triage.bpmn"] = files["triage.bpmn"].replace(OLD_FLOW, NEW_STEP)
    assert deploy(files, actor=OWNER, dry_run=True).created == [{"key": "triage", "version": 2}]
    assert [c["version"] for c in deploy(files, actor=OWNER).created] == [2]

    report = migrate_instances("triage", from_version=1, actor=OWNER, dry_run=True)
    [entry] = report["instances"]
    assert entry["possible"] and {i["elementId"] for i in entry["items"]} >= {
        "ut_eerste_contact",
        "bt_eerste_contact",
    }
    assert migrate_instances("triage", from_version=1, actor=OWNER)["migrated"] == 1

    tasks.complete(contact.id, {"contact_datum": "2026-03-03", "contactwijze": "huisbezoek"}, actor=ANNA)
    [new_step] = _open(db, case.id)
    assert new_step.element_id == "ut_toestemming" and new_step.candidate_groups == ["wijkteam-triage"]
    tasks.complete(new_step.id, {}, actor=ANNA)
    assert [t.element_id for t in _open(db, case.id)] == ["ut_vraagverkenning"]
