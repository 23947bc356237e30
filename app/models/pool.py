"""Pooled connections: check one that sat idle before handing it out.

SQLAlchemy's `pool_pre_ping` pings on every checkout, one round trip per request. A connection
given back a moment ago was alive a moment ago, so only one idle for `idle_seconds` or more is
pinged (a dead one is replaced before the request sees it). A server lost within that moment
fails the one request in flight on that connection; the API answers it with 503 and the pool
reconnects (api/problems.py).
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_IDLE_SINCE = "zorgpad_idle_since"


def _now() -> float:
    return time.monotonic()


def install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _stamp(_dbapi_conn, record):
        record.info[_IDLE_SINCE] = _now()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        since = record.info.pop(_IDLE_SINCE, None)
        if since is not None and _now() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool drops this connection and checks out (or opens) another.
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc
