"""The fixed stack's least: a completion in plain Flask, SpiffWorkflow and the floor's writes.

What any completion built on this project's fixed choices (Flask, SpiffWorkflow, PostgreSQL
through psycopg) must pay at the very least, before authentication, permissions, form
validation, history, the audit chain or an ORM: parse the JSON body, read the task and the
instance state (an engine cannot step without them), restore the run, complete the task and
run to the next wait, serialise the state, do the floor's writes (bench/floor_and_library.py)
in the same transaction, answer JSON. Served by the same gunicorn settings as the service
(`bench/service.py` starts it). The pathway is tests/fixtures/loop.bpmn (one user task that
repeats), so every request is the same step and the instance never ends.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Flask, jsonify, request
from psycopg.types.json import Json

from app.engine import ProcessRun, parse_bundle
from bench.floor_and_library import floor_connection, floor_writes, new_floor_instance

PG_URL = os.environ["ZORGPAD_BENCH_FLOOR_PG"]
LOOP = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "loop.bpmn"
SPEC = parse_bundle({"loop.bpmn": LOOP.read_bytes()}).processes["loop"].spec
READ = (
    "SELECT i.id, i.state, i.version FROM bench_task t JOIN bench_instance i ON i.id = t.instance_id"
    " WHERE t.id = %s AND t.status = 'open'"
)
_local = threading.local()
app = Flask(__name__)


def _context() -> dict:
    """This thread's connection and the id of its instance's open task."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        conn = floor_connection(PG_URL)
        run = ProcessRun.start("stack-floor", SPEC, {"target": 10**9})
        run.run()
        [task] = run.human_tasks()
        new_floor_instance(conn, Json(run.dump()), task.id)
        ctx = _local.ctx = {"conn": conn, "task": task.id}
    return ctx


@app.get("/")
def ready():
    return jsonify({})


@app.post("/complete")
def complete():
    data = request.get_json()["data"]
    ctx = _context()
    conn = ctx["conn"]
    with conn.transaction():
        instance, state, version = conn.execute(READ, (ctx["task"],)).fetchone()
        run = ProcessRun.restore("stack-floor", SPEC, state)
        run.complete(ctx["task"], data)
        [following] = run.human_tasks()
        floor_writes(conn, Json(run.dump()), instance, ctx["task"], version, following.id)
    ctx["task"] = following.id
    return jsonify({"id": str(following.id), "status": "completed"})
