"""The floor and the library: what any engine must pay, and what SpiffWorkflow costs alone.

- floor: a bare psycopg loop doing, per task completion, the writes any engine needs in one
  transaction on the same PostgreSQL: update the instance state (a JSON document of realistic
  size) and version, finish the task row, insert the next task row, insert two audit rows.
- library: SpiffWorkflow in-process, start -> task A -> task B, with JSON serialisation after
  each step (our engine adapter: restore, step, dump).

    python bench/floor_and_library.py [--n 300]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tables import print_table  # noqa: E402

PG_URL = os.environ.get("ZORGPAD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


FLOOR_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_instance (id uuid PRIMARY KEY, state json, version int)",
    "CREATE TABLE IF NOT EXISTS bench_task (id uuid PRIMARY KEY, instance_id uuid, status text,"
    " assignee text, due_at timestamptz, created_at timestamptz)",
    "CREATE TABLE IF NOT EXISTS bench_audit (id bigserial PRIMARY KEY, at timestamptz, actor text,"
    " action text, object text, details jsonb, hash text)",
)


def floor_state() -> str:
    """An engine state document of realistic size (~3 KB)."""
    return json.dumps({"tasks": {str(uuid.uuid4()): {"state": 64, "data": {"x": i}} for i in range(40)}})


def floor_connection(url: str):
    """A connection to `url` with the floor's tables in place (for the WSGI baselines)."""
    import psycopg

    conn = psycopg.connect(url, autocommit=False)
    for statement in FLOOR_TABLES:
        conn.execute(statement)
    conn.commit()
    return conn


def new_floor_instance(conn, state, task=None) -> tuple[uuid.UUID, uuid.UUID]:
    """An instance row with `state` and its open task row (id `task`, or a new one)."""
    instance, task = uuid.uuid4(), task or uuid.uuid4()
    conn.execute("INSERT INTO bench_instance VALUES (%s, %s, 1)", (instance, state))
    conn.execute("INSERT INTO bench_task VALUES (%s, %s, 'open', NULL, now(), now())", (task, instance))
    conn.commit()
    return instance, task


def floor_completion(conn, state: str, instance, task, version: int, next_task=None) -> uuid.UUID:
    """One completion's writes in one transaction; returns the next task's id."""
    next_task = next_task or uuid.uuid4()
    with conn.transaction():
        floor_writes(conn, state, instance, task, version, next_task)
    return next_task


def floor_writes(conn, state: str, instance, task, version: int, next_task) -> None:
    """The writes of one completion, in the caller's transaction."""
    cur = conn.execute(
        "UPDATE bench_instance SET state = %s, version = version + 1 WHERE id = %s AND version = %s",
        (state, instance, version),
    )
    assert cur.rowcount == 1
    conn.execute("UPDATE bench_task SET status = 'completed', assignee = 'anna' WHERE id = %s", (task,))
    conn.execute("INSERT INTO bench_task VALUES (%s, %s, 'open', NULL, now(), now())", (next_task, instance))
    for action in ("task.completed", "task.created"):
        conn.execute(
            "INSERT INTO bench_audit (at, actor, action, object, details, hash)"
            " VALUES (now(), 'anna', %s, %s, '{}', md5(random()::text))",
            (action, str(next_task)),
        )


def floor(n: int) -> list[float]:
    import psycopg

    state = floor_state()
    with psycopg.connect(PG_URL, autocommit=False) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_instance, bench_task, bench_audit")
        for statement in FLOOR_TABLES:
            conn.execute(statement)
        instance, task = new_floor_instance(conn, state)
        samples = []
        for version in range(1, n + 1):
            started = time.perf_counter()
            task = floor_completion(conn, state, instance, task, version)
            samples.append(time.perf_counter() - started)
        conn.execute("DROP TABLE bench_instance, bench_task, bench_audit")
        conn.commit()
    return samples


def library(n: int) -> list[float]:
    from app.engine import ProcessRun, parse_bundle

    files = {p.name: p.read_bytes() for p in (ROOT / "tests" / "fixtures").glob("two_step.bpmn")}
    files["stap-a.schema.json"] = (ROOT / "tests" / "fixtures" / "stap-a.schema.json").read_bytes()
    model = parse_bundle(files).processes["two_step"]
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        run = ProcessRun.start("bench", model.spec, {})
        run.run()
        stored = json.dumps(run.dump())
        for _step in range(2):
            run = ProcessRun.restore("bench", model.spec, json.loads(stored))
            [task] = run.human_tasks()
            run.complete(task.id, {"naam": "x"})
            stored = json.dumps(run.dump())
        assert run.completed
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    floor_samples = floor(args.n)
    library_samples = library(args.n)
    print_table(
        "floor vs library (per operation; ratio against the floor's one-completion transaction)",
        [
            ("floor: one task completion (psycopg, 1 tx)", floor_samples),
            ("library: whole two-task instance in-process", library_samples),
        ],
        baseline="floor: one task completion (psycopg, 1 tx)",
    )


if __name__ == "__main__":
    main()
