"""API test fixtures: the demo users (several organisations, every role) and a three-lane pathway.

`inbox.bpmn` starts in `wijkteam-triage` and opens three tasks at once: one for the triage
team (with a form), one for the insurer (`verzekeraar`, sees no case data) and one for the
FACT team with `petra` as a candidate user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from werkzeug.security import generate_password_hash

from app.services.access import demo, identity

PROBLEM = "application/problem+json"


@dataclass
class World:
    app: object
    tokens: dict = field(default_factory=dict)

    def client(self, username: str | None = None):
        client = self.app.test_client()
        if username:
            if username not in self.tokens:
                self.tokens[username] = identity.issue_token(username)
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[username]}"
        return client

    def start(self, username="anna", display_name="Mw. Jansen", pseudonym=None, business_key=None):
        subject = {"displayName": display_name}
        if pseudonym:
            subject["pseudonym"] = pseudonym
        body = {"processKey": "inbox", "subject": subject}
        if business_key:
            body["businessKey"] = business_key
        response = self.client(username).post("/api/v1/process-instances", json=body)
        assert response.status_code == 201, response.json
        return response.json

    def task_of(self, instance: dict, element_id: str) -> str:
        [task] = [t for t in instance["activeTasks"] if t["elementId"] == element_id]
        return task["id"]


def _fast_hash(password: str) -> str:
    # Demo passwords need not be expensive to hash in tests; login still checks them for real.
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture
def world(app, db, deploy, clock, monkeypatch):
    monkeypatch.setattr(identity, "generate_password_hash", _fast_hash)
    deploy("inbox.bpmn", "two_step.bpmn", "stap-a.schema.json")
    demo.seed()
    return World(app)


def assert_problem(response, status: int):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body
