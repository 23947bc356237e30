"""A transaction's last writes and its COMMIT in as few round trips as the database allows.

At commit a unit of work writes the rows it changed, appends its history rows, locks and reads
the audit chain head, appends its audit rows and commits. On PostgreSQL these go through
psycopg's pipeline mode: statements that return nothing are queued, and only reading the head
and the COMMIT wait for the server, so all of them cost two round trips. The ORM's UPDATEs are
sent by `planned_updates` / `_PipelinedBatch.stage` instead of its flush (which waits for each
one's row count): their row counts are checked when the head is read. The ORM's flush joins the
pipeline when what is left to it is INSERTs of rows with known keys; otherwise (a deletion, a
changed relationship, a key the database makes) it runs before. On SQLite the same calls run
one by one and the session commits as usual.

Inside `pipelined`, execute only INSERTs that need nothing back (`insert(...).inline()`, no
RETURNING) through the session, and read rows through `Batch.returning_row` (constant
statements with literal parameters: they are compiled once).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from psycopg.errors import PipelineAborted
from psycopg.pq import PipelineStatus, TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import bindparam, inspect, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError


class Batch:
    """SQLite, or a savepoint: statement by statement; the session commits."""

    def __init__(self, session):
        self.session = session

    def returning_row(self, statement):
        return self.session.execute(statement).one_or_none()

    def commit(self) -> None:
        """Commit now if that saves a round trip; the session's own commit then has nothing to do."""


class _PipelinedBatch(Batch):
    def __init__(self, session, raw, dialect, pipeline):
        super().__init__(session)
        self.raw = raw  # the psycopg connection under the session's
        self.dialect = dialect
        self.pipeline = pipeline
        self.staged: list = []  # (sql, params, what, sets a foreign key) of UPDATEs not sent yet
        self.unchecked: list = []  # (cursor, what) of UPDATEs whose row count is not known yet

    def returning_row(self, statement):
        sql, params = _compiled(statement, self.dialect)
        with self.raw.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()  # waits: sends whatever was queued before it too
        self._check_updates()
        return row

    def stage(self, updates: list[_Update]) -> None:
        """Take over `planned_updates`: the objects hold their new values as committed from here
        on, so the ORM's flush leaves them alone; `send_staged` queues the UPDATEs."""
        for plan in updates:
            columns = tuple(c.key for c in plan.changed)
            version = plan.version[0] if plan.version else None
            sql, processors = _update_statement(plan.table, columns, version, self.dialect)
            params = {f"v_{c.key}": value for c, (_key, value) in plan.changed.items()}
            params.update({f"k_{c.key}": value for c, value in plan.keys.items()})
            if plan.version is not None:
                column, key, old, new = plan.version
                params.update({"old_version": old, f"v_{column.key}": new})
                set_committed_value(plan.obj, key, new)
            for key, value in plan.changed.values():
                set_committed_value(plan.obj, key, value)
            params = {k: processors[k](v) if processors.get(k) else v for k, v in params.items()}
            what = f"{plan.table.name} {list(plan.keys.values())}"
            self.staged.append((sql, params, what, any(c.foreign_keys for c in plan.changed)))

    def send_staged(self, *, first: bool = False) -> None:
        """Queue the staged UPDATEs; `first`: only those that set no foreign key.

        Those go before the flush's INSERTs, in the order the ORM would send them: an
        instance's version-checked UPDATE takes its row lock first, so a concurrent step on the
        same instance waits there and then finds no row (a conflict), rather than failing on
        a row the other step inserted. An UPDATE that sets a foreign key may point at a row the
        flush inserts: it goes after.
        """
        kept = []
        for sql, params, what, sets_foreign_key in self.staged:
            if first and sets_foreign_key:
                kept.append((sql, params, what, sets_foreign_key))
                continue
            cursor = self.raw.cursor()
            cursor.execute(sql, params)  # queued; its row count arrives with the next wait
            self.unchecked.append((cursor, what))
        self.staged = kept

    def stale(self) -> StaleDataError | None:
        """The first UPDATE whose row count arrived and is not 1, as the ORM would report it."""
        for cursor, what in self.unchecked:
            if cursor.rowcount not in (-1, 1):  # -1: its result has not arrived
                return StaleDataError(f"UPDATE of {what} matched {cursor.rowcount} rows, not 1")
        return None

    def _check_updates(self) -> None:
        stale = self.stale()
        for cursor, _what in self.unchecked:
            cursor.close()
        self.unchecked = []
        if stale is not None:
            raise stale

    def commit(self) -> None:
        if self.unchecked:  # nothing read since: wait for their row counts before COMMIT
            self.pipeline.sync()
            self._check_updates()
        # Sends COMMIT after the queued statements and waits once for all of them. psycopg's
        # connection is then idle, so SQLAlchemy's commit that follows sends nothing.
        self.raw.commit()


@dataclass
class _Update:
    obj: object
    table: object
    changed: dict  # column -> (attribute key, new value)
    keys: dict  # primary key column -> value
    version: tuple | None  # (column, attribute key, old value, new value)


def planned_updates(session) -> list[_Update] | None:
    """The UPDATEs the session's changed objects need, when the commit's pipeline can send them.

    The ORM's flush sends each UPDATE and waits for its row count (its optimistic version
    check); `_PipelinedBatch.stage` and `send_staged` queue them instead, and their row counts
    are checked when the batch next waits (the chain head's read, or before the COMMIT): a
    count other than 1 is `StaleDataError`, as from the ORM. None where only the ORM can write
    the changes: SQLite or a savepoint (no pipeline), a deletion, a changed relationship, key
    or version.
    """
    if session.get_bind().dialect.name != "postgresql" or session.in_nested_transaction() or session.deleted:
        return None
    plans = []
    for obj in session.dirty:
        state = inspect(obj)
        changed = _changed_columns(state)
        if changed is None:
            return None
        if changed:
            plan = _plan(state, changed)
            if plan is None:
                return None
            plans.append(plan)
    return plans


def _changed_columns(state) -> dict | None:
    """column -> (attribute key, new value) of the object's changes; None if not all are columns."""
    changed = {}
    for attr in state.attrs:
        history = attr.history  # without loading anything
        if not history.has_changes():
            continue
        prop = state.mapper.get_property(attr.key)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            return None
        changed[prop.columns[0]] = (attr.key, history.added[0] if history.added else None)
    return changed


def _plan(state, changed: dict) -> _Update | None:
    mapper = state.mapper
    table = mapper.local_table
    if mapper.inherits is not None or state.identity is None:
        return None
    keys = dict(zip(mapper.primary_key, state.identity, strict=True))
    if any(column in changed for column in keys):
        return None
    version = None
    if (column := mapper.version_id_col) is not None:
        key = mapper.get_property_by_column(column).key
        if column in changed or key not in state.dict or not callable(mapper.version_id_generator):
            return None
        old = state.dict[key]
        version = (column, key, old, mapper.version_id_generator(old))
    return _Update(state.obj(), table, changed, keys, version)


@functools.lru_cache(maxsize=128)
def _update_statement(table, columns: tuple[str, ...], version, dialect):
    """SQL of an UPDATE of `columns` by key (and old version) with its bind processors."""
    values = {table.c[c]: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns}
    statement = update(table)
    for col in table.primary_key.columns:
        statement = statement.where(col == bindparam(f"k_{col.key}", type_=col.type))
    if version is not None:
        values[version] = bindparam(f"v_{version.key}", type_=version.type)
        statement = statement.where(version == bindparam("old_version", type_=version.type))
    compiled = statement.values(values).compile(dialect=dialect)
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in compiled.binds.items()
    }
    return str(compiled), processors


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
    if session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        return False
    return inserts_need_no_answer(session)


def inserts_need_no_answer(session) -> bool:
    """Whether every new object's key is known before its INSERT (no RETURNING to wait for)."""
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
    batch = None
    try:
        with raw.pipeline() as pipeline:
            batch = _PipelinedBatch(session, raw, connection.dialect, pipeline)
            yield batch
    except (DBAPIError, base_error) as exc:
        # A statement queued after an UPDATE that lost a race fails too (the other writer's row
        # is there now): the lost race is what to tell.
        if batch is not None and (stale := batch.stale()) is not None:
            raise stale from exc
        if not isinstance(exc, DBAPIError):
            raise _translated(connection, exc) from exc
        # From a statement SQLAlchemy executed: already translated. When a flush fails in the
        # pipeline, SQLAlchemy's rollback inside it cannot run there and reports the pipeline as
        # aborted; the error worth telling is the statement's. The caller's rollback follows.
        cause = exc.__context__
        if isinstance(exc.orig, PipelineAborted) and isinstance(cause, DBAPIError):
            raise cause from None
        raise


def _translated(connection, exc: Exception) -> DBAPIError:
    """A psycopg error raised outside SQLAlchemy's execution, as SQLAlchemy would have raised it."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(exc)
    return DBAPIError.instance(
        None, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )
