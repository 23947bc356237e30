"""A transaction's last writes and its COMMIT in as few round trips as the database allows.

At commit a unit of work appends its history rows, locks and reads the audit chain head,
appends its audit rows and commits. On PostgreSQL these go through psycopg's pipeline mode:
statements that return nothing are queued, and only reading the head and the COMMIT wait for
the server, so the four cost two round trips. SQLAlchemy's ORM flush joins them when it only
inserts rows with known keys (a start); with UPDATEs (it checks their row counts) it runs
before. On SQLite the same calls run one by one and the session commits as usual.

Inside `pipelined`, execute only INSERTs that need nothing back (`insert(...).inline()`, no
RETURNING) through the session, and read rows through `Batch.returning_row` (constant
statements with literal parameters: they are compiled once).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from psycopg.errors import PipelineAborted
from psycopg.pq import PipelineStatus, TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError


class Batch:
    """SQLite, or a savepoint: statement by statement; the session commits."""

    def __init__(self, session):
        self.session = session

    def returning_row(self, statement):
        return self.session.execute(statement).one_or_none()

    def commit(self) -> None:
        """Commit now if that saves a round trip; the session's own commit then has nothing to do."""


class _PipelinedBatch(Batch):
    def __init__(self, session, raw, dialect):
        super().__init__(session)
        self.raw = raw  # the psycopg connection under the session's
        self.dialect = dialect

    def returning_row(self, statement):
        sql, params = _compiled(statement, self.dialect)
        with self.raw.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()  # waits: sends whatever was queued before it too

    def commit(self) -> None:
        # Sends COMMIT after the queued statements and waits once for all of them. psycopg's
        # connection is then idle, so SQLAlchemy's commit that follows sends nothing.
        self.raw.commit()


@functools.lru_cache(maxsize=64)
def _compiled(statement, dialect) -> tuple[str, dict]:
    """SQL and parameters of a constant statement (module-level: its identity is the key)."""
    compiled = statement.compile(dialect=dialect)
    return str(compiled), compiled.params


def flush_needs_no_answer(session) -> bool:
    """Whether the ORM's flush would only INSERT new rows whose keys it knows.

    Such a flush sends nothing it waits for (no RETURNING, no row counts to check), so it can go
    in the commit's pipeline; an UPDATE or DELETE (the ORM checks how many rows it hit) or a key
    the database generates cannot.
    """
    if session.dirty or session.deleted:
        return False
    return all(
        None not in inspect(obj).mapper.primary_key_from_instance(obj) for obj in session.new
    )


def opening_read(session, statement, params: dict) -> list:
    """The rows of the read that opens the session's transaction (a request's first query).

    psycopg sends a transaction's BEGIN as a round trip of its own; in pipeline mode it goes
    with the query. `statement` is a module-level constant with named bind parameters (it is
    compiled once); rows come back as named tuples, like SQLAlchemy's rows.
    """
    connection = session.connection()
    raw = connection.connection.driver_connection
    if (
        connection.dialect.name != "postgresql"
        or raw.info.transaction_status != TransactionStatus.IDLE
        or raw.pgconn.pipeline_status != PipelineStatus.OFF
    ):
        return session.execute(statement, params).all()
    sql, _ = _compiled(statement, connection.dialect)
    try:
        with raw.pipeline(), raw.cursor(row_factory=namedtuple_row) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    except connection.dialect.loaded_dbapi.Error as exc:
        raise _translated(connection, exc) from exc


@contextlib.contextmanager
def pipelined(session) -> Iterator[Batch]:
    connection = session.connection()
    if connection.dialect.name != "postgresql" or session.in_nested_transaction():
        yield Batch(session)
        return
    raw = connection.connection.driver_connection
    base_error = connection.dialect.loaded_dbapi.Error
    try:
        with raw.pipeline():
            yield _PipelinedBatch(session, raw, connection.dialect)
    except DBAPIError as exc:
        # From a statement SQLAlchemy executed: already translated. When a flush fails in the
        # pipeline, SQLAlchemy's rollback inside it cannot run there and reports the pipeline as
        # aborted; the error worth telling is the statement's. The caller's rollback follows.
        cause = exc.__context__
        if isinstance(exc.orig, PipelineAborted) and isinstance(cause, DBAPIError):
            raise cause from None
        raise
    except base_error as exc:
        raise _translated(connection, exc) from exc


def _translated(connection, exc: Exception) -> DBAPIError:
    """A psycopg error raised outside SQLAlchemy's execution, as SQLAlchemy would have raised it."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(exc)
    return DBAPIError.instance(
        None, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )
