"""Versioned definitions: stored once per content hash, instances pinned to their version."""

from sqlalchemy import func, select

from app.models import Deployment, ProcessDefinition, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.instances import lifecycle as instances
from tests.support import fixture_files


def test_unchanged_redeploy_creates_nothing(deploy, db):
    first = deploy("two_step.bpmn", "stap-a.schema.json")
    assert [c["key"] for c in first.created] == ["two_step"]
    second = deploy("two_step.bpmn", "stap-a.schema.json")
    assert second.created == [] and second.deployment_id is None
    assert [u["version"] for u in second.unchanged] == [1]
    assert db.session.execute(select(func.count()).select_from(Deployment)).scalar() == 1


def test_changed_content_gets_next_version_and_instances_stay_pinned(deploy, db, clock):
    deploy("two_step.bpmn", "stap-a.schema.json")
    old = instances.start_instance("two_step", actor=SYSTEM, subject={"displayName": "R. Test"})
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    files["two_step.bpmn"] = files["two_step.bpmn"].replace(b'name="Stap B"', b'name="Stap B2"')
    result = deploy(files=files)
    assert result.created[0]["version"] == 2
    new = instances.start_instance("two_step", actor=SYSTEM)
    versions = {i.id: i.definition.version for i in db.session.execute(select(ProcessInstance)).scalars()}
    assert versions == {old.id: 1, new.id: 2}


def test_a_changed_form_alone_makes_a_new_version(deploy, db):
    deploy("two_step.bpmn", "stap-a.schema.json")
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    files["stap-a.schema.json"] = files["stap-a.schema.json"].replace(b'"Naam"', b'"Volledige naam"')
    assert deploy(files=files).created[0]["version"] == 2
    keys = db.session.execute(select(ProcessDefinition.key, ProcessDefinition.version)).all()
    assert sorted(keys) == [("two_step", 1), ("two_step", 2)]


def test_missing_form_is_reported_and_nothing_activates(deploy, db):
    import pytest

    from app.services.errors import DeploymentRejected

    with pytest.raises(DeploymentRejected) as info:
        deploy("two_step.bpmn")
    assert any(
        f["elementId"] == "task_a" and "stap-a.schema.json" in f["message"] for f in info.value.findings
    )
    assert db.session.execute(select(func.count()).select_from(ProcessDefinition)).scalar() == 0


def test_a_form_hint_that_cannot_work_is_reported_and_nothing_activates(deploy, db):
    import json

    import pytest

    from app.services.errors import DeploymentRejected

    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    form = json.loads(files["stap-a.schema.json"])
    form["x-ui"] = {"optionsFrom": {"naam": "personen/naam"}}
    files["stap-a.schema.json"] = json.dumps(form).encode()
    with pytest.raises(DeploymentRejected) as info:
        deploy(files=files)
    [finding] = [f for f in info.value.findings if "optionsFrom" in f["message"]]
    assert finding["file"] == "stap-a.schema.json" and "'personen'" in finding["message"]
    assert db.session.execute(select(func.count()).select_from(ProcessDefinition)).scalar() == 0
