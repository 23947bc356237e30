"""Insight fixtures: the real pathways and forms, the demo users, bearer tokens, the rollup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from app.services.access import demo, identity
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy, read_directory
from app.services.insight import rollup


def _fast_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1")


class Insight:
    def __init__(self, app):
        self.app = app
        self.tokens: dict[str, str] = {}

    def client(self, username: str):
        client = self.app.test_client()
        if username not in self.tokens:
            self.tokens[username] = identity.issue_token(username)
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[username]}"
        return client

    def get(self, username: str, path: str, **query):
        response = self.client(username).get(path, query_string=query)
        assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])
        return response.json

    @staticmethod
    def refresh() -> int:
        """The worker's rollup, all of it (no grace: nothing is in flight in a test)."""
        return rollup.refresh(grace=timedelta(0))


@pytest.fixture
def insight(app, db, clock, monkeypatch):
    monkeypatch.setattr(identity, "generate_password_hash", _fast_hash)
    demo.seed()  # with nina, the network coordinator
    return Insight(app)


@pytest.fixture
def pathways(db):
    """The shipped pathways and forms, deployed."""
    deploy(read_directory("processes", "forms"), actor=SYSTEM, name="insight", source="cli")
