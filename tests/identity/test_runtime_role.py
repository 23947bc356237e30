"""The service's PostgreSQL role (migration 0009): ordinary rights on every table, but on the
audit log only SELECT and INSERT; retention erases details only through the database function."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import RUNTIME_ROLE

PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
# What the service needs on a table, where it is less than everything but TRUNCATE.
EXPECTED = {
    "audit_events": {"SELECT", "INSERT"},
    "audit_chain_head": {"SELECT", "INSERT", "UPDATE"},
    "alembic_version": {"SELECT"},
}


def test_every_table_has_exactly_the_rights_the_service_needs(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    from tests.support import owner_engine

    with owner_engine(db).connect() as conn:
        tables = (
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            )
            .scalars()
            .all()
        )
        owners = set(
            conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars()
        )
        rights = {}
        for table in tables:
            rights[table] = {
                p
                for p in PRIVILEGES
                if conn.execute(
                    text("SELECT has_table_privilege(:r, :t, :p)"), {"r": RUNTIME_ROLE, "t": table, "p": p}
                ).scalar()
            }
    assert RUNTIME_ROLE not in owners  # the role owns nothing: it cannot ALTER, DROP or disable triggers
    assert set(db.metadata.tables) <= set(tables)
    for table in tables:
        assert rights[table] == EXPECTED.get(table, {"SELECT", "INSERT", "UPDATE", "DELETE"}), table


def test_a_table_made_by_a_later_migration_gets_the_ordinary_rights(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    from tests.support import owner_engine

    with owner_engine(db).begin() as conn:
        conn.execute(text("CREATE TABLE later_table (id integer PRIMARY KEY)"))
    try:
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO later_table VALUES (1)"))
            conn.execute(text("DELETE FROM later_table"))
    finally:
        with owner_engine(db).begin() as conn:
            conn.execute(text("DROP TABLE later_table"))
