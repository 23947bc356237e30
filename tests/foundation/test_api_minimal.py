"""The minimal JSON API end to end over the Flask test client, with bearer tokens."""

import pytest

from app.services.access import identity


@pytest.fixture
def client(app, db, deploy):
    deploy("two_step.bpmn", "stap-a.schema.json")
    identity.add_user("anna", roles=["professional"], organisation="wijkteam-noord")
    identity.grant("anna", groups=["wijkteam-triage", "wijkteam-regie"])
    token = identity.issue_token("anna")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_health_needs_no_token(app, db):
    assert app.test_client().get("/healthz").json == {"status": "ok"}
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ready"


def test_start_list_complete(client, clock):
    started = client.post(
        "/api/v1/process-instances",
        json={
            "processKey": "two_step",
            "subject": {"displayName": "Mw. A"},
            "businessKey": "melding-1",
        },
    )
    assert started.status_code == 201, started.json
    assert started.json["status"] == "running" and started.json["version"] == 1
    listed = client.get("/api/v1/tasks").json
    assert listed["total"] == 1 and listed["items"][0]["name"] == "Stap A"
    task_id = listed["items"][0]["id"]
    bad = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"score": "x"}})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "naam" in bad.json["errors"]
    done = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "A"}})
    assert done.status_code == 200 and done.json["status"] == "completed"
    assert client.get("/api/v1/tasks").json["items"][0]["name"] == "Stap B"


def test_problem_json_for_auth_and_unknown_things(app, client):
    anonymous = app.test_client().get("/api/v1/tasks")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    missing = client.post("/api/v1/process-instances", json={"processKey": "bestaat-niet"})
    assert missing.status_code == 404 and missing.json["title"] == "Not found"
    invalid = client.post("/api/v1/process-instances", json={})
    assert invalid.status_code == 422 and "processKey" in invalid.json["errors"]
    unknown_task = client.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000")
    assert unknown_task.status_code == 404
