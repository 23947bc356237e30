"""Authentication and RFC 9457 problems for every error class the API can answer with."""

from datetime import timedelta

import pytest

from app.services.access import identity
from tests.api.conftest import assert_problem

ENDPOINTS = [
    ("get", "/api/v1/tasks"),
    ("get", "/api/v1/tasks/00000000-0000-0000-0000-000000000000"),
    ("post", "/api/v1/tasks/00000000-0000-0000-0000-000000000000/claim"),
    ("get", "/api/v1/process-instances"),
    ("post", "/api/v1/process-instances"),
    ("post", "/api/v1/messages"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_no_token_is_401_with_a_challenge(world, method, path):
    response = getattr(world.client(), method)(path, json={})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer", "Bearer zp_verzonnen", "Basic YW5uYTp4", "zp_zonder_schema"])
def test_bad_credentials_are_401(world, header):
    response = world.client().get("/api/v1/tasks", headers={"Authorization": header})
    assert_problem(response, 401)


def test_expired_token_is_401(world, clock):
    token = identity.issue_token("anna", lifetime=timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client().get("/api/v1/tasks", headers=headers).status_code == 200
    clock.advance(hours=1)
    assert_problem(world.client().get("/api/v1/tasks", headers=headers), 401)


def test_revoked_token_is_401(world):
    token = identity.issue_token("anna")
    headers = {"Authorization": f"Bearer {token}"}
    assert world.client().get("/api/v1/tasks", headers=headers).status_code == 200
    assert identity.revoke_tokens("anna") == 1
    assert_problem(world.client().get("/api/v1/tasks", headers=headers), 401)


def test_deactivated_user_is_401(world, db):
    client = world.client("anna")
    user = identity.find_user(db.session, "anna")
    user.active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/tasks"), 401)


def test_405_lists_allowed_methods(world):
    response = world.client("anna").delete("/api/v1/tasks")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_404_for_unknown_paths(world):
    assert_problem(world.client("anna").get("/api/v1/bestaat-niet"), 404)


def test_400_for_malformed_json(world):
    response = world.client("anna").post(
        "/api/v1/process-instances", data="{kapot", content_type="application/json"
    )
    assert_problem(response, 400)


def test_415_for_a_body_that_is_not_json(world):
    response = world.client("anna").post(
        "/api/v1/process-instances", data="processKey=inbox", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415)
    text = world.client("anna").post("/api/v1/messages", data="hallo", content_type="text/plain")
    assert_problem(text, 415)


def test_actions_without_a_body_need_no_content_type(world):
    task_id = world.task_of(world.start(), "t_triage")
    assert world.client("anna").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200


def test_413_for_a_body_over_the_limit(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    body = {"processKey": "inbox", "variables": {"tekst": "x" * 2048}}
    assert_problem(world.client("anna").post("/api/v1/process-instances", json=body), 413)


def test_422_lists_fields(world):
    body = assert_problem(world.client("anna").post("/api/v1/process-instances", json={"processKey": 5}), 422)
    assert body["errors"] == {"processKey": ["Not a valid string."]}


def test_500_is_a_problem_without_internals(world, monkeypatch):
    from app.services.tasks import queries as task_queries

    def broken(*_args, **_kwargs):
        raise RuntimeError("geheime stacktrace")

    monkeypatch.setattr("app.api.tasks.inbox_page", broken)
    response = world.client("anna").get("/api/v1/tasks")
    body = assert_problem(response, 500)
    assert "geheime" not in response.get_data(as_text=True) and body["title"] == "Internal Server Error"
    assert task_queries.inbox_page is not broken


def test_health_is_outside_the_api_and_needs_no_token(world):
    assert world.client().get("/healthz").json == {"status": "ok"}


def test_nested_validation_errors_are_flat_paths(world):
    body = {"processKey": "inbox", "subject": {"network": "x" * 101}}
    problem = assert_problem(world.client("anna").post("/api/v1/process-instances", json=body), 422)
    assert list(problem["errors"]) == ["subject/network"]
    assert all(isinstance(m, str) for m in problem["errors"]["subject/network"])


@pytest.mark.parametrize("text", ["", "   ", "\x1e", "\ufeff\t"])
def test_free_text_must_be_visible(world, text):
    started = world.start()
    task_id = world.task_of(started, "t_triage")
    anna = world.client("anna")
    cancel = anna.post(f"/api/v1/process-instances/{started['id']}/cancel", json={"reason": text})
    assert "reason" in assert_problem(cancel, 422)["errors"]
    comment = anna.post(f"/api/v1/tasks/{task_id}/comments", json={"body": text})
    assert "body" in assert_problem(comment, 422)["errors"]


def test_problem_extension_members_are_documented_as_allowed(world):
    spec = world.client().get("/api/v1/openapi.json").json
    assert spec["components"]["schemas"]["Problem"].get("additionalProperties", True) is not False
