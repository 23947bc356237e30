"""The instance history is append-only: its rows skip the ORM's unit of work.

`runs.history` queues each event on the session; `write_pending` inserts them in one
multi-row INSERT at commit, after the ORM flush (the rows refer to instances) and before the
audit chain is extended (`audit.record`'s commit hook calls both, in one pipeline on
PostgreSQL: models/pipeline.py). A rolled back transaction drops its queue.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import insert

from app.models import HistoryEvent

PENDING = "history_pending"
_COLUMNS = tuple(c.key for c in HistoryEvent.__table__.columns if c.key != "id")
_BLANK = dict.fromkeys(_COLUMNS)


class PendingEvent(SimpleNamespace):
    """A history row waiting for the commit, named as `HistoryEvent`'s columns (plain
    attributes: it is inserted with Core, so ORM instance state would be paid for nothing)."""

    def __init__(self, **values):
        super().__init__(**{**_BLANK, **values})


def add(session, event: PendingEvent) -> None:
    session.info.setdefault(PENDING, []).append(event)


def pending(session) -> list[PendingEvent]:
    return session.info.get(PENDING, [])


def write_pending(session) -> None:
    """Insert the queued events; the caller has flushed the ORM's rows."""
    events = session.info.pop(PENDING, None)
    if not events:
        return
    # inline(): no RETURNING of the generated ids, so the INSERTs can wait in a pipeline.
    rows = [{key: getattr(e, key) for key in _COLUMNS} for e in events]
    session.execute(insert(HistoryEvent.__table__).inline(), rows)


def discard(session) -> None:
    session.info.pop(PENDING, None)
