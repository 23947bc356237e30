"""A pooled connection whose server side died: replaced before use when it sat idle, else a 503.

PostgreSQL only: the test kills the connection's backend with pg_terminate_backend.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from app.models import pool
from tests.api.conftest import assert_problem


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("kills a PostgreSQL backend")
    yield db
    db.session.remove()
    db.engine.dispose()  # no dead connection left in the pool for later tests


def _kill_pooled_connection(db) -> None:
    """Terminate the backend of the pool's only connection, which the next request will get."""
    db.session.remove()
    db.engine.dispose()
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.remove()  # back to the pool
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:  # outside the pool
        assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_an_idle_dead_connection_is_replaced_before_the_request_sees_it(world, pg, monkeypatch):
    client = world.client("ruben")
    assert client.get("/api/v1/tasks").status_code == 200
    _kill_pooled_connection(pg)
    later = pool._now() + 3600
    monkeypatch.setattr(pool, "_now", lambda: later)  # every pooled connection now sat idle
    response = client.get("/api/v1/tasks")
    assert response.status_code == 200, response.json


def test_a_connection_lost_right_after_use_costs_one_503_and_no_more(world, pg, monkeypatch):
    client = world.client("ruben")
    assert client.get("/api/v1/tasks").status_code == 200
    now = pool._now()
    monkeypatch.setattr(pool, "_now", lambda: now)  # given back "just now": not pinged
    _kill_pooled_connection(pg)
    lost = client.get("/api/v1/tasks")
    assert_problem(lost, 503)
    assert lost.headers["Retry-After"] == "1"
    assert client.get("/api/v1/tasks").status_code == 200  # the pool reconnected
