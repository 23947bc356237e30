"""Camunda 7 and Camunda 8 diagrams through the services: decisions, assignment, forms.

Uses Camunda's own files from ../shared/corpus (skipped when absent) and small diagrams in each
dialect. Everything is deployed with `deploy` and driven with the same services the API uses.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import HumanTask, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy
from app.services.definitions.resources import form_schema
from app.services.errors import DeploymentRejected, InvalidInput
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from tests.support import make_actor

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
INVOICE = CORPUS / "camunda-invoice"
ENGINE = CORPUS / "camunda-engine"
needs_corpus = pytest.mark.skipif(not INVOICE.exists(), reason="../shared/corpus is absent")


def _open(db, instance_id) -> list[HumanTask]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
        ).scalars()
    )


def _status(db, instance_id) -> str:
    db.session.expire_all()
    return db.session.get(ProcessInstance, instance_id).status


# ---- the Camunda invoice example ------------------------------------------------------------


def _invoice_files() -> dict[str, bytes]:
    """invoice.v2 with the two things outside this test's subject taken out: the data store
    (a picture of an external system) and the Java service task that archives the invoice."""
    files = {name: (INVOICE / name).read_bytes() for name in ("invoice.v2.bpmn", "reviewInvoice.bpmn")}
    files["invoiceBusinessDecisions.dmn"] = (INVOICE / "invoiceBusinessDecisions.dmn").read_bytes()
    text = files["invoice.v2.bpmn"]
    text = re.sub(rb"<dataStore .*?</dataStore>", b"", text, flags=re.S)
    text = re.sub(rb"<dataStoreReference[^>]*/>", b"", text)
    text = re.sub(rb"<dataInputAssociation.*?</dataInputAssociation>", b"", text, flags=re.S)
    text = re.sub(rb'<property id="Property_[^"]*" name="__targetRef_placeholder" />', b"", text)
    service = rb'<serviceTask (id="ServiceTask_1" name="[^"]*")[^>]*>(.*?)</serviceTask>'
    text, replaced = re.subn(service, rb"<task \1>\2</task>", text, flags=re.S)
    assert replaced == 1
    files["invoice.v2.bpmn"] = text
    return files


@needs_corpus
@pytest.mark.parametrize(
    ("amount", "category", "approvers"),
    [
        (300.0, "Travel Expenses", ["accounting", "sales"]),  # InvoiceTestCase.testHappyPathV2
        (30.0, "Travel Expenses", ["accounting", "sales"]),
        (900.0, "Misc", ["management"]),  # "budget", "exceptional" matches "budget"
        (1500.0, "Misc", ["management"]),  # ... and "exceptional"
        (100.0, "Software License Costs", ["management"]),
    ],
)
def test_invoice_approvers_come_from_the_linked_decisions(db, clock, amount, category, approvers):
    result = deploy(_invoice_files(), actor=SYSTEM)
    warnings = [f for f in result.findings if f["severity"] == "warning"]
    # Embedded HTML forms have no JSON Schema here: each such task gets a generic form, said so.
    assert {f["elementId"] for f in warnings if "generic form" in f["message"]} == {
        "approveInvoice",
        "prepareBankTransfer",
        "assignReviewer",
        "reviewInvoice",
    }
    variables = {
        "creditor": "Great Pizza",
        "amount": amount,
        "invoiceCategory": category,
        "invoiceNumber": "1",
    }
    instance = instances.start_instance("invoice", actor=SYSTEM, variables=variables)
    [approve] = _open(db, instance.id)
    assert approve.element_id == "approveInvoice"
    assert approve.candidate_groups == approvers
    assert approve.due_at == clock.now + timedelta(weeks=1)  # ${dateTime().plusWeeks(1).toDate()}
    assert approve.form_key is None


@needs_corpus
def test_invoice_runs_through_review_and_approval(db, clock):
    deploy(_invoice_files(), actor=SYSTEM)
    variables = {
        "creditor": "Bobby",
        "amount": 900.0,
        "invoiceCategory": "Misc",
        "invoiceNumber": "BOS-43934",
    }
    instance = instances.start_instance("invoice", actor=SYSTEM, variables=variables)
    manager = make_actor("gonzo", ["management"])
    [approve] = _open(db, instance.id)
    tasks.complete(approve.id, {"approved": False}, actor=manager)  # ${!approved}: to the review
    [assign] = _open(db, instance.id)
    assert (assign.element_id, assign.assignee) == ("assignReviewer", "demo")
    tasks.complete(assign.id, {"reviewer": "mary"}, actor=make_actor("demo", []))
    [review] = _open(db, instance.id)
    assert (review.element_id, review.assignee) == ("reviewInvoice", "mary")  # ${reviewer}
    assert review.due_at == clock.now + timedelta(days=2)  # ${dateTime().plusDays(2).toDate()}
    tasks.complete(review.id, {"clarified": True}, actor=make_actor("mary", []))
    [approve_again] = _open(db, instance.id)  # ${clarified}: back to approval
    assert approve_again.element_id == "approveInvoice"
    tasks.complete(approve_again.id, {"approved": True}, actor=manager)
    [transfer] = _open(db, instance.id)
    assert (transfer.element_id, transfer.candidate_groups) == ("prepareBankTransfer", ["accounting"])
    tasks.complete(transfer.id, {}, actor=make_actor("kermit", ["accounting"]))
    assert _status(db, instance.id) == "completed"


# ---- Camunda 7 generated forms ---------------------------------------------------------------

FORM_DATA = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="x">
  <bpmn:process id="aanmelding" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake" />
    <bpmn:userTask id="intake" name="Aanmelding" camunda:candidateGroups="wijkteam-triage">
      <bpmn:extensionElements>
        <camunda:formData>
          <camunda:formField id="naam" label="Naam" type="string">
            <camunda:validation>
              <camunda:constraint name="required" />
              <camunda:constraint name="maxlength" config="40" />
            </camunda:validation>
          </camunda:formField>
          <camunda:formField id="leeftijd" label="Leeftijd" type="long" defaultValue="18">
            <camunda:validation>
              <camunda:constraint name="min" config="0" />
              <camunda:constraint name="max" config="120" />
            </camunda:validation>
          </camunda:formField>
          <camunda:formField id="akkoord" label="Akkoord" type="boolean" />
          <camunda:formField id="datum" label="Datum" type="date" />
          <camunda:formField id="urgentie" label="Urgentie" type="enum" defaultValue="laag">
            <camunda:value id="laag" name="Laag" />
            <camunda:value id="hoog" name="Hoog" />
          </camunda:formField>
          <camunda:formField id="dossier" label="Dossier" type="string">
            <camunda:validation><camunda:constraint name="readonly" /></camunda:validation>
          </camunda:formField>
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""
TRIAGE = make_actor("anna", ["wijkteam-triage"])


def test_form_data_becomes_a_json_schema_that_completions_must_meet(db, clock):
    result = deploy({"aanmelding.bpmn": FORM_DATA}, actor=SYSTEM)
    [created] = result.created
    instance = instances.start_instance("aanmelding", actor=SYSTEM, variables={"dossier": "D-1"})
    [task] = _open(db, instance.id)
    assert task.form_key == "aanmelding.intake.formdata.json"
    schema = form_schema(db.session.get(ProcessInstance, instance.id).definition, task.form_key)
    assert schema["required"] == ["naam"]
    assert schema["x-ui"]["order"] == ["naam", "leeftijd", "akkoord", "datum", "urgentie", "dossier"]
    assert schema["properties"]["naam"] == {"type": "string", "title": "Naam", "maxLength": 40}
    assert schema["properties"]["leeftijd"] == {
        "type": "integer", "title": "Leeftijd", "default": 18, "minimum": 0, "maximum": 120,
    }  # fmt: skip
    assert schema["properties"]["akkoord"] == {"type": "boolean", "title": "Akkoord"}
    assert schema["properties"]["datum"] == {"type": "string", "format": "date", "title": "Datum"}
    assert schema["properties"]["urgentie"]["oneOf"] == [
        {"const": "laag", "title": "Laag"},
        {"const": "hoog", "title": "Hoog"},
    ]
    assert schema["properties"]["dossier"]["readOnly"] is True
    with pytest.raises(InvalidInput) as refused:
        tasks.complete(task.id, {"leeftijd": 130, "urgentie": "middel"}, actor=TRIAGE)
    assert set(refused.value.errors) == {"naam", "leeftijd", "urgentie"}
    tasks.complete(task.id, {"naam": "Bo", "leeftijd": 40, "akkoord": True, "urgentie": "hoog"}, actor=TRIAGE)
    assert _status(db, instance.id) == "completed"
    again = deploy({"aanmelding.bpmn": FORM_DATA}, actor=SYSTEM)
    assert again.created == [] and again.unchanged[0]["version"] == created["version"]


def test_form_data_mistakes_are_located_findings(db):
    broken = FORM_DATA.replace(b'defaultValue="18"', b'defaultValue="achttien"')
    broken = broken.replace(
        b'<camunda:constraint name="required" />', b'<camunda:constraint name="validator" />'
    )
    with pytest.raises(DeploymentRejected) as rejected:
        deploy({"aanmelding.bpmn": broken}, actor=SYSTEM)
    findings = [f for f in rejected.value.findings if f["severity"] == "error"]
    assert {f["elementId"] for f in findings} == {"naam", "leeftijd"}
    assert all(f["line"] for f in findings)
    assert any("defaultValue 'achttien'" in f["message"] for f in findings)
    assert any("custom validators run Java" in f["message"] for f in findings)


# ---- Camunda form keys --------------------------------------------------------------------

FORM_KEY = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="x">
  <bpmn:process id="sleutel" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" camunda:formKey="FORMKEY" camunda:candidateGroups="wijkteam-triage" />
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""
SCHEMA = json.dumps({"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]})


@pytest.mark.parametrize(
    "key", ["embedded:app:forms/intake.html", "camunda-forms:deployment:forms/intake.form", "app:intake.jsf"]
)
def test_a_camunda_form_key_uses_the_schema_of_its_base_name(db, key):
    files = {
        "sleutel.bpmn": FORM_KEY.replace(b"FORMKEY", key.encode()),
        "intake.schema.json": SCHEMA.encode(),
    }
    result = deploy(files, actor=SYSTEM)
    assert not any("generic form" in f["message"] for f in result.findings)
    instance = instances.start_instance("sleutel", actor=SYSTEM)
    [task] = _open(db, instance.id)
    assert task.form_key == "intake.schema.json"
    with pytest.raises(InvalidInput):
        tasks.complete(task.id, {}, actor=TRIAGE)


def test_a_schema_deployed_earlier_serves_a_later_form_key(db):
    deploy({"intake.schema.json": SCHEMA.encode()}, actor=SYSTEM)
    deploy({"sleutel.bpmn": FORM_KEY.replace(b"FORMKEY", b"embedded:app:forms/intake.html")}, actor=SYSTEM)
    instance = instances.start_instance("sleutel", actor=SYSTEM)
    [task] = _open(db, instance.id)
    assert task.form_key == "intake.schema.json"


def test_a_form_key_without_schema_is_a_warning_and_a_generic_form(db):
    result = deploy(
        {"sleutel.bpmn": FORM_KEY.replace(b"FORMKEY", b"embedded:app:forms/approve.html")}, actor=SYSTEM
    )
    [warning] = [f for f in result.findings if "generic form" in f["message"]]
    assert (warning["severity"], warning["elementId"]) == ("warning", "task")
    assert "approve.schema.json" in warning["message"] and warning["line"] == 7
    instance = instances.start_instance("sleutel", actor=SYSTEM)
    [task] = _open(db, instance.id)
    assert task.form_key is None
    tasks.complete(task.id, {"anything": 1}, actor=TRIAGE)
    assert _status(db, instance.id) == "completed"


def test_a_json_form_key_that_is_missing_is_still_an_error(db):
    with pytest.raises(DeploymentRejected) as rejected:
        deploy({"sleutel.bpmn": FORM_KEY.replace(b"FORMKEY", b"nergens.schema.json")}, actor=SYSTEM)
    [finding] = [f for f in rejected.value.findings if f["severity"] == "error"]
    assert finding["elementId"] == "task" and "not in this deployment" in finding["message"]


# ---- Camunda 8 ------------------------------------------------------------------------------

ZEEBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="defs" targetNamespace="x"
    exporter="Camunda Modeler" modeler:executionPlatform="Camunda Cloud">
  <bpmn:process id="signaal" isExecutable="true">
    <bpmn:extensionElements>
      <zeebe:userTaskForm id="form_beoordeling">{"components": [
        {"type": "text", "text": "# Beoordeling"},
        {"type": "number", "key": "score", "label": "Score",
         "validate": {"required": true, "min": 1, "max": 5}},
        {"type": "radio", "key": "route", "label": "Route",
         "values": [{"label": "Wijkteam", "value": "wijkteam"}, {"label": "FACT", "value": "fact"}]},
        {"type": "textarea", "key": "toelichting", "label": "Toelichting"}
      ]}</zeebe:userTaskForm>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule" />
    <bpmn:businessRuleTask id="rule">
      <bpmn:extensionElements>
        <zeebe:calledDecision decisionId="team" resultVariable="team" />
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="beoordeling" />
    <bpmn:userTask id="beoordeling" name="Beoordeling">
      <bpmn:extensionElements>
        <zeebe:formDefinition formKey="camunda-forms:bpmn:form_beoordeling" />
        <zeebe:assignmentDefinition candidateGroups="=team" />
        <zeebe:taskSchedule dueDate="=now() + duration(&quot;P3D&quot;)" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="beoordeling" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="klein" />
    <bpmn:sequenceFlow id="groot" sourceRef="gw" targetRef="opschalen">
      <bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:type="bpmn:tFormalExpression">=score &gt;= 4 and route = "fact"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="klein" sourceRef="gw" targetRef="end" />
    <bpmn:userTask id="opschalen" name="Opschalen">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="ggz-fact" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="opschalen" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""
TEAM_DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="defs_team" name="Team"
    namespace="http://camunda.org/schema/1.0/dmn" modeler:executionPlatform="Camunda Cloud">
  <decision id="team" name="Team">
    <decisionTable id="team_table" hitPolicy="COLLECT">
      <input id="in_wijk" label="Wijk"><inputExpression id="in_wijk_expr" typeRef="string">
        <text>wijk</text></inputExpression></input>
      <output id="out_team" name="team" typeRef="string" />
      <rule id="r1"><inputEntry id="r1_i"><text>"noord", "oost"</text></inputEntry>
        <outputEntry id="r1_o"><text>"wijkteam-" + wijk</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="r2_i"><text>-</text></inputEntry>
        <outputEntry id="r2_o"><text>"wijkteam-regie"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_a_camunda_8_diagram_runs_with_feel_everywhere(db, clock):
    result = deploy({"signaal.bpmn": ZEEBE, "team.dmn": TEAM_DMN}, actor=SYSTEM)
    assert [f for f in result.findings if f["severity"] == "error"] == []
    instance = instances.start_instance("signaal", actor=SYSTEM, variables={"wijk": "noord"})
    [task] = _open(db, instance.id)
    assert task.candidate_groups == ["wijkteam-noord", "wijkteam-regie"]
    assert task.due_at == clock.now + timedelta(days=3)
    schema = form_schema(db.session.get(ProcessInstance, instance.id).definition, task.form_key)
    assert schema["x-ui"]["order"] == ["score", "route", "toelichting"]
    assert schema["properties"]["score"] == {"type": "number", "title": "Score", "minimum": 1, "maximum": 5}
    assert schema["required"] == ["score"] and schema["x-ui"]["widgets"]["toelichting"] == "textarea"
    noord = make_actor("bo", ["wijkteam-noord"])
    with pytest.raises(InvalidInput):
        tasks.complete(task.id, {"score": 9}, actor=noord)
    tasks.complete(task.id, {"score": 5, "route": "fact"}, actor=noord)
    [escalation] = _open(db, instance.id)
    assert (escalation.element_id, escalation.candidate_groups) == ("opschalen", ["ggz-fact"])

    quiet = instances.start_instance("signaal", actor=SYSTEM, variables={"wijk": "zuid"})
    [task] = _open(db, quiet.id)
    assert task.candidate_groups == ["wijkteam-regie"]
    tasks.complete(task.id, {"score": 2, "route": "wijkteam"}, actor=make_actor("cy", ["wijkteam-regie"]))
    assert _status(db, quiet.id) == "completed"


# ---- Camunda's own user-task and start-event test diagrams --------------------------------

needs_engine_corpus = pytest.mark.skipif(not ENGINE.exists(), reason="../shared/corpus is absent")


def _corpus(path: str) -> dict[str, bytes]:
    file = ENGINE / path
    return {file.name: file.read_bytes()}


@needs_engine_corpus
def test_mixed_candidate_user_and_group(db):
    deploy(_corpus("usertask/TaskCandidateTest.testMixedCandidateUserAndGroup.bpmn"), actor=SYSTEM)
    instance = instances.start_instance("mixedCandidateUserAndGroupExample", actor=SYSTEM)
    [task] = _open(db, instance.id)
    assert (task.candidate_users, task.candidate_groups) == (["kermit"], ["sales"])
    tasks.complete(task.id, {}, actor=make_actor("gonzo", ["sales"]))
    assert _status(db, instance.id) == "completed"


@needs_engine_corpus
def test_due_date_string_extension(db):
    deploy(_corpus("usertask/TaskDueDateExtensionsTest.testDueDateStringExtension.bpmn"), actor=SYSTEM)
    instance = instances.start_instance(
        "dueDateExtension", actor=SYSTEM, variables={"dateVariable": "1986-07-06T12:10:00"}
    )
    [task] = _open(db, instance.id)
    assert task.due_at.replace(tzinfo=UTC) == datetime(1986, 7, 6, 12, 10, tzinfo=UTC)


@needs_engine_corpus
@pytest.mark.parametrize("priority", [25, 75])
def test_priority_extension(db, priority):
    deploy(_corpus("usertask/TaskPriorityExtensionsTest.testPriorityExtension.bpmn"), actor=SYSTEM)
    instance = instances.start_instance(
        "taskPriorityExtension", actor=SYSTEM, variables={"taskPriority": priority}
    )
    [task] = _open(db, instance.id)
    assert task.priority == priority


@needs_engine_corpus
@pytest.mark.parametrize(
    "path",
    [
        "usertask/UserTaskCamundaFormDefinitionParseTest.shouldParseCamundaFormDefinitionVersionBinding.bpmn",
        "start/StartEventCamundaFormDefinitionParseTest.shouldParseCamundaFormDefinitionLatestBinding.bpmn",
    ],
)
def test_camunda_form_references_with_known_bindings_deploy(db, path):
    result = deploy(_corpus(path), actor=SYSTEM)
    assert result.created and not [f for f in result.findings if f["severity"] == "error"]
    instance = instances.start_instance("Process_1d2oynt", actor=SYSTEM)
    [task] = _open(db, instance.id)
    assert task.element_id == "UserTask" and task.form_key is None


@needs_engine_corpus
def test_an_unsupported_form_reference_binding_is_refused(db):
    with pytest.raises(DeploymentRejected) as rejected:
        deploy(
            _corpus("start/StartEventCamundaFormDefinitionParseTest.shouldNotParseCamundaFormDefinitionUnsupportedBinding.bpmn"),
            actor=SYSTEM,
        )  # fmt: skip
    [finding] = [f for f in rejected.value.findings if f["severity"] == "error"]
    assert finding["elementId"] == "StartEvent" and finding["line"] == 4
    assert "camunda:formRefBinding 'unsupported'" in finding["message"]


def test_the_task_page_draws_a_form_data_form(db, app, clock):
    from app.services.access import demo
    from tests.web.conftest import csrf_token

    demo.seed()
    deploy({"aanmelding.bpmn": FORM_DATA}, actor=SYSTEM)
    instance = instances.start_instance("aanmelding", actor=SYSTEM, variables={"dossier": "D-1"})
    [task] = _open(db, instance.id)
    client = app.test_client()
    login = client.get("/login")
    credentials = {"username": "anna", "password": "zorgpad-demo", "csrf_token": csrf_token(login.text)}
    client.post("/login", data=credentials)
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    for label in ("Naam", "Leeftijd", "Akkoord", "Datum", "Urgentie", "Laag", "Hoog", "D-1"):
        assert label in page.text, label
    assert 'type="date"' in page.text and 'name="leeftijd"' in page.text
