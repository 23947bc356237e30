"""A throw-away PostgreSQL database for one benchmark run, migrated to head (like tests/conftest.py)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

ADMIN_URL = os.environ.get("ZORGPAD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def throwaway_database(prefix: str = "zorgpad_bench") -> Iterator[str]:
    """Yields a SQLAlchemy URL (postgresql+psycopg://) of a fresh database, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str):
    """The Flask app on that database, schema upgraded to the newest migration."""
    from app import create_app
    from app.models.schema import upgrade

    flask_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with flask_app.app_context():
        upgrade()
    return flask_app
