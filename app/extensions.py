"""Flask extensions, created unbound so the app factory can attach them."""

from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class ProblemApi(Api):
    """flask-smorest's Api with every error documented as RFC 9457 problem+json."""

    def _register_responses(self):
        from .api.openapi import register_problem_responses

        register_problem_responses(self)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
api = ProblemApi()
