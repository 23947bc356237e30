"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL.

Each test session gets its own throw-away PostgreSQL database (so parallel runs and developers
never collide); with CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.support import fixture_files

PG_ADMIN_URL = os.environ.get("ZORGPAD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin_dsn() -> str:
    return PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


def _create_pg_database() -> str:
    import psycopg

    name = f"zorgpad_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_pg_admin_dsn(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_pg_admin_dsn(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


RUNTIME_ROLE = os.environ.get("ZORGPAD_RUNTIME_ROLE") or "zorgpad_app"


def runtime_url(owner_url: str) -> str:
    """The same PostgreSQL database as the service's runtime role (migration 0009) sees it."""
    from sqlalchemy.engine import make_url

    return make_url(owner_url).set(username=RUNTIME_ROLE).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_urls(request, tmp_path_factory):
    """(owner URL for migrations and test set-up, URL the service runs with)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'zorgpad.db'}"
        yield url, url
        return
    try:
        name, url = _create_pg_database()
    except Exception as exc:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    # On PostgreSQL the service runs as the runtime role, as in production: every test proves
    # the role has what the service needs (and the audit tests that it has no more).
    yield url, runtime_url(url)
    _drop_pg_database(name)


@pytest.fixture(scope="session")
def database_url(database_urls):
    """The URL the service (and any server or worker process a test starts) connects with."""
    return database_urls[1]


@pytest.fixture(scope="session")
def owner_database_url(database_urls):
    return database_urls[0]


@pytest.fixture(scope="session")
def app(database_urls, tmp_path_factory):
    from app import create_app
    from app.extensions import db
    from app.models.schema import upgrade

    owner_url, service_url = database_urls
    flask_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": service_url,
            "ZORGPAD_MIGRATION_DATABASE_URL": owner_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
        }
    )
    with flask_app.app_context():
        upgrade()
    yield flask_app
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app):
    """An app context with empty tables; yields the SQLAlchemy handle."""
    from app.extensions import db as database

    with app.app_context():
        _empty_tables(database)
        yield database
        database.session.remove()


def _empty_tables(database) -> None:
    from tests.support import owner_engine

    tables = [t.name for t in reversed(database.metadata.sorted_tables)]
    with owner_engine(database).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


class MovableClock:
    """A clock the test moves by hand; the engine's timers and the services read it."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    from app.engine.clock import using_clock

    moving = MovableClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
    with using_clock(moving):
        yield moving


@pytest.fixture
def deploy(db):
    """Deploy fixture files by name (as the system actor); returns the deployment result."""
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy as deploy_files

    def _deploy(*names: str, files: dict[str, bytes] | None = None):
        return deploy_files(files or fixture_files(*names), actor=SYSTEM, name="test", source="cli")

    return _deploy
