"""The floor over HTTP: the floor's completion transaction behind a bare WSGI app.

Served by the same gunicorn settings as the service (`bench/service.py` starts it), so the
difference between this and the floor is what HTTP, gunicorn and Python cost before any
framework, ORM, authentication, engine or audit log: the least any Python service pays here.
Each POST completes the current task of this thread's instance; no routing, no checks.
"""

from __future__ import annotations

import os
import threading

from bench.floor_and_library import floor_completion, floor_connection, floor_state, new_floor_instance

PG_URL = os.environ["ZORGPAD_BENCH_FLOOR_PG"]
_local = threading.local()


def _context() -> dict:
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        conn = floor_connection(PG_URL)
        state = floor_state()
        instance, task = new_floor_instance(conn, state)
        ctx = _local.ctx = {"conn": conn, "state": state, "instance": instance, "task": task, "version": 1}
    return ctx


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"].read(length)
        ctx = _context()
        args = (ctx["conn"], ctx["state"], ctx["instance"], ctx["task"], ctx["version"])
        ctx["task"] = floor_completion(*args)
        ctx["version"] += 1
        body = b'{"id": "%s", "status": "completed"}' % str(ctx["task"]).encode()
    else:
        body = b"{}"
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
