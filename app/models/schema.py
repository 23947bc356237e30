"""Apply and inspect Alembic migrations (in `migrations/`) for the app's database."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from ..extensions import db


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", current_app.config["ZORGPAD_MIGRATIONS_DIR"])
    # Migrations run as the tables' owner; the service may run as a role with fewer rights.
    url = (
        current_app.config.get("ZORGPAD_MIGRATION_DATABASE_URL")
        or current_app.config["SQLALCHEMY_DATABASE_URI"]
    )
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
