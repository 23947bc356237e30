"""The process owners' REST API: deploy (multipart), definitions, diagram XML, migrations."""

from __future__ import annotations

import io

import pytest

from app.services.access import identity
from app.services.instances import lifecycle as instances
from tests.owners.helpers import two_step_with_new_step
from tests.support import fixture_files, make_actor


def _client(app, username, roles):
    identity.add_user(username, roles=roles, organisation="netwerk")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {identity.issue_token(username)}"
    return client


@pytest.fixture
def owner(app, db):
    return _client(app, "olga", ["process-owner"])


def _upload(client, files: dict[str, bytes], **flags):
    data = {k: str(v).lower() for k, v in flags.items()}
    data["files"] = [(io.BytesIO(content), name) for name, content in files.items()]
    return client.post("/api/v1/deployments", data=data, content_type="multipart/form-data")


def test_only_process_owners_deploy(app, db):
    professional = _client(app, "anna", ["professional"])
    response = _upload(professional, fixture_files("two_step.bpmn", "stap-a.schema.json"))
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_dry_run_validates_and_reports_findings_with_location(owner, db):
    files = fixture_files("loop.bpmn")
    files["loop.bpmn"] = files["loop.bpmn"].replace(b"passes = 0", b"import os")
    bad = _upload(owner, files, dryRun=True)
    assert bad.status_code == 422 and bad.json["title"] == "Deployment rejected"
    [finding] = bad.json["findings"]
    assert finding["elementId"] == "init" and finding["line"] == 8 and finding["file"] == "loop.bpmn"
    good = _upload(owner, fixture_files("two_step.bpmn", "stap-a.schema.json"), dryRun=True)
    assert good.status_code == 200 and good.json["created"] == [{"key": "two_step", "version": 1}]
    assert owner.get("/api/v1/process-definitions").json == {"items": []}


def test_deploy_list_xml_and_migrate(owner, db, clock):
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    created = _upload(owner, files)
    assert created.status_code == 201, created.json
    assert _upload(owner, files).json["unchanged"][0]["version"] == 1
    instance = instances.start_instance("two_step", actor=make_actor())
    assert _upload(owner, two_step_with_new_step()).json["created"][0]["version"] == 2

    [item] = owner.get("/api/v1/process-definitions").json["items"]
    assert item["key"] == "two_step" and item["latestVersion"] == 2 and item["runningInstances"] == 1
    assert [(v["version"], v["runningInstances"]) for v in item["versions"]] == [(2, 0), (1, 1)]

    xml = owner.get("/api/v1/process-definitions/two_step/versions/2/xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and b"task_new" in xml.data
    assert owner.get("/api/v1/process-definitions/two_step/versions/9/xml").status_code == 404

    url = "/api/v1/process-definitions/two_step/migrations"
    report = owner.post(url, json={"fromVersion": 1, "dryRun": True})
    assert report.status_code == 200 and report.json["instances"][0]["possible"] is True
    done = owner.post(url, json={"fromVersion": 1, "toVersion": 2, "instanceIds": [str(instance.id)]})
    assert done.json["migrated"] == 1
    versions = owner.get("/api/v1/process-definitions").json["items"][0]["versions"]
    assert [(v["version"], v["runningInstances"]) for v in versions] == [(2, 1), (1, 0)]
    assert owner.post(url, json={}).status_code == 422


def test_require_tests_over_the_api(owner, db):
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    scenario = b"process: two_step\nscenarios:\n  - name: x\n    expect: {end: completed}\n"
    rejected = _upload(owner, {**files, "two_step.scenarios.yaml": scenario}, requireTests=True)
    assert rejected.status_code == 422
    messages = [f["message"] for f in rejected.json["findings"] if f["severity"] == "error"]
    assert messages == ["scenario 'x' fails: end: expected completed, still waiting (open: ['task_a'])"]
