"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_head(db):
    from app.models.schema import current_revision, head_revision

    assert current_revision() == head_revision()
