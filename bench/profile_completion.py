"""Where the time of one task completion goes: cProfile around POST /tasks/<id>/complete.

Runs the app in-process (Flask test client, same code path as under gunicorn minus the HTTP
server) on a throw-away PostgreSQL database and prints the top functions by cumulative and
by own time over --n completions.

    python bench/profile_completion.py [--n 200]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZORGPAD_LOG_LEVEL", "WARNING")

from bench.pgdb import throwaway_database  # noqa: E402
from bench.service import prepare  # noqa: E402


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
        for _ in range(args.n + 10):
            response = client.post("/api/v1/process-instances", json=body, headers=headers)
            tasks.append(response.get_json()["activeTasks"][0]["id"])
        for task_id in tasks[:10]:  # warm-up
            client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "x"}}, headers=headers)
        profiler = cProfile.Profile()
        profiler.enable()
        for task_id in tasks[10:]:
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
