"""One transaction per use case (Percival & Gregory's unit of work, over Flask-SQLAlchemy)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from .errors import Conflict


@contextlib.contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit when the block succeeds, roll back on any error.

    A lost optimistic-concurrency race (another writer changed the instance first) becomes
    `Conflict`: the caller may reload and retry; nothing was overwritten.
    """
    session = db.session
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("someone else changed this case at the same time; reload and try again") from exc
    except OperationalError as exc:
        session.rollback()
        if _is_lock_conflict(exc):
            raise Conflict("the case is busy (locked by another step); try again") from exc
        raise
    except BaseException:
        session.rollback()
        raise


def _is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else ""
    return "database is locked" in text or "could not serialize" in text or "deadlock" in text
