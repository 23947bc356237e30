"""Fixtures for the web pages: the shipped pathways deployed, the demo users seeded."""

from __future__ import annotations

import re

import pytest

from tests.web.support import ROOT


@pytest.fixture
def care(db, clock):
    """The real pathways and forms, deployed; the demo organisations and users, seeded."""
    from app.services.access import demo
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy, read_directory

    deploy(read_directory(ROOT / "processes", ROOT / "forms"), actor=SYSTEM, name="web-test", source="cli")
    demo.seed()
    return clock


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def login(app):
    """Log in on a fresh test client (one browser per user) and return it."""

    def _login(username="anna", password="zorgpad-demo"):  # noqa: S107 - the documented demo login
        client = app.test_client()
        page = client.get("/login")
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_token(page.text)}
        )
        assert response.status_code == 302, response.text
        return client

    return _login
