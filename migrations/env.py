"""Alembic environment: runs inside the Flask app so the URL and metadata come from it."""

from alembic import context
from sqlalchemy import engine_from_config, pool


def _metadata_and_url():
    from flask import current_app, has_app_context

    if has_app_context():
        from app.extensions import db

        return db.metadata, current_app.config["SQLALCHEMY_DATABASE_URI"]
    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        return db.metadata, app.config["SQLALCHEMY_DATABASE_URI"]


metadata, default_url = _metadata_and_url()
config = context.config
url = config.get_main_option("sqlalchemy.url") or default_url


def run_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        # Batch mode lets ALTERs work on SQLite (table copy) as on PostgreSQL.
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
