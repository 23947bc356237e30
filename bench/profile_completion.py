"""Where the time of one task completion goes: cProfile around POST /tasks/<id>/complete.

Runs the app in-process (Flask test client, same code path as under gunicorn minus the HTTP
server) on a throw-away PostgreSQL database. First times --n completions without the profiler
(wall clock against this process's CPU time: the rest is waiting, mostly on PostgreSQL), and
the wall clock of the completion's phases (`PHASES`: the functions are wrapped with a timer;
a renamed function is reported, not skipped); then prints the top functions by cumulative and
by own time over --n more completions under cProfile.

    python bench/profile_completion.py [--n 200]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZORGPAD_LOG_LEVEL", "WARNING")

from bench.pgdb import throwaway_database  # noqa: E402
from bench.service import prepare  # noqa: E402
from bench.tables import print_table  # noqa: E402

# (label, module, attribute path): wrapped with a wall-clock timer; indented labels are part of
# the phase above them.
PHASES = [
    ("token -> actor (authentication)", "app.api.auth", "authenticate_token"),
    ("task + instance + case load, permission", "app.services.tasks.actions", "_workable"),
    ("form data validation (JSON Schema)", "app.services.tasks.actions", "validate_against"),
    ("engine: restore the workflow", "app.services.tasks.actions", "load_run"),
    ("engine: complete the task, run to a wait", "app.engine.runtime", "ProcessRun.complete"),
    ("rows from the run (save_run)", "app.services.tasks.actions", "save_run"),
    ("  of which engine: serialise the state", "app.engine.runtime", "ProcessRun.dump"),
    ("commit (ORM flush, pipeline, COMMIT)", "app.services.unit_of_work", "_commit"),
    ("  of which ORM flush", "sqlalchemy.orm.session", "Session._flush"),
    ("  of which audit rows + chain", "app.services.audit.chain", "append"),
]


@contextlib.contextmanager
def phase_timers(spent: dict[str, float]):
    """Wrap each PHASES function so its wall time adds up in `spent` (restored afterwards)."""
    undo = []
    for label, module_name, path in PHASES:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = getattr(owner, name, None)
        if original is None:  # renamed: say so, and time the rest
            print(f"phase {label!r}: {module_name}.{path} no longer exists", file=sys.stderr)
            continue

        def timed(*args, _original=original, _label=label, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    from app import create_app

    with throwaway_database() as url:
        token = prepare(url)
        flask_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        client = flask_app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        body = {"processKey": "two_step", "subject": {"displayName": "Mw. Bench"}}
        tasks = []
        for _ in range(3 * args.n + 10):
            response = client.post("/api/v1/process-instances", json=body, headers=headers)
            tasks.append(response.get_json()["activeTasks"][0]["id"])
        for task_id in tasks[:10]:  # warm-up
            client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "x"}}, headers=headers)
        wall, cpu = [], []
        for task_id in tasks[10 : 10 + args.n]:
            w0, c0 = time.perf_counter(), time.process_time()
            response = client.post(
                f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "x"}}, headers=headers
            )
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
            assert response.status_code == 200, response.get_data()
        waiting = [w - c for w, c in zip(wall, cpu, strict=True)]
        print_table(
            "one completion in-process (Flask test client, PostgreSQL); ratio against the wall clock",
            [
                ("wall clock", wall),
                ("CPU of this Python process", cpu),
                ("waiting (wall - CPU): PostgreSQL, network", waiting),
            ],
            baseline="wall clock",
        )
        per_phase: dict[str, list[float]] = {label: [] for label, _, _ in PHASES}
        whole = []
        with phase_timers(spent := {}):
            for task_id in tasks[10 + args.n : 10 + 2 * args.n]:
                spent.clear()
                w0 = time.perf_counter()
                client.post(
                    f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "x"}}, headers=headers
                )
                whole.append(time.perf_counter() - w0)
                for label in per_phase:
                    per_phase[label].append(spent.get(label, 0.0))
        top_level = [
            sum(v for k, v in zip(per_phase, values, strict=True) if not k.startswith(" "))
            for values in zip(*per_phase.values(), strict=True)
        ]
        print_table(
            "phases of one completion (wall clock, timed separately); ratio against the whole request",
            [("whole request (in-process)", whole)]
            + list(per_phase.items())
            + [
                (
                    "rest: Flask, smorest, history + audit rows",
                    [w - t for w, t in zip(whole, top_level, strict=True)],
                )
            ],
            baseline="whole request (in-process)",
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for task_id in tasks[10 + 2 * args.n :]:
            response = client.post(
                f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "x"}}, headers=headers
            )
            assert response.status_code == 200, response.get_data()
        profiler.disable()
        from app.extensions import db

        with flask_app.app_context():
            db.engine.dispose()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
