"""One transaction per use case (Percival & Gregory's unit of work, over Flask-SQLAlchemy)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.services.errors import Conflict


@contextlib.contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit when the block succeeds, roll back on any error.

    A lost optimistic-concurrency race (another writer changed the instance first) becomes
    `Conflict`: the caller may reload and retry; nothing was overwritten.
    """
    session = db.session
    # Objects kept readable by an earlier unit of work are re-read from here on, like the rest.
    for obj in session.info.pop(KEPT, ()):
        session.expire(obj)
    try:
        yield session
        _commit(session)
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
    finally:
        session.info.pop(KEEP, None)


KEEP = "uow_keep_after_commit"
KEPT = "uow_kept"


def keep_after_commit(session, obj) -> None:
    """Keep `obj` readable after the commit without reloading it (it holds what was just written).

    Everything else is expired at commit as usual, so a later unit of work reads fresh rows.
    """
    session.info.setdefault(KEEP, []).append(obj)


def _commit(session) -> None:
    keep = session.info.pop(KEEP, None)
    if not keep:
        session.commit()
        return
    real = session()  # the request's Session behind the scoped proxy
    real.expire_on_commit = False
    try:
        real.commit()
    finally:
        real.expire_on_commit = True
    kept = {id(obj) for obj in keep}
    for obj in list(real.identity_map.values()):
        if id(obj) not in kept:
            real.expire(obj)
    real.info[KEPT] = keep


def _is_lock_conflict(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else ""
    return "database is locked" in text or "could not serialize" in text or "deadlock" in text
