"""The service over HTTP: gunicorn + PostgreSQL, auth, authorisation and the audit log on.

Creates a throw-away PostgreSQL database, migrates it, seeds the demo users, deploys
tests/fixtures/two_step.bpmn (start -> task A [wijkteam-triage] -> task B [wijkteam-regie]),
starts gunicorn (2 workers x 4 threads, log level WARNING) on a free port and measures with
keep-alive http.client connections, as user "ruben" (both lanes) with a Bearer token:

  (a) one task completion: POST /api/v1/tasks/<id>/complete (task A of pre-started instances);
  (b) one whole instance, sequentially: start (its answer names task A), complete A (its
      answer names task B in `nextTasks`), complete B -- three requests, as a client of the
      API works through a pathway;
  (b') the same, finding each task through the inbox instead: start, list my tasks, complete
      A, list my tasks, complete B -- five requests (for reference);
  (c) (b) with 8 concurrent clients (threads, one connection each).

Ratios are against the floor (bench/floor_and_library.py: one completion as a bare psycopg
transaction) measured in the same run on the same PostgreSQL. A second baseline, the floor
over HTTP (bench/floor_wsgi.py: the same transaction behind a bare WSGI app under the same
gunicorn settings), shows what HTTP and Python cost before any framework, ORM, engine,
authentication or audit log.

    python bench/service.py [--n 200] [--instances 150] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZORGPAD_LOG_LEVEL", "WARNING")  # no migration chatter in the tables

import bench.floor_and_library as floor_bench  # noqa: E402
from bench.pgdb import throwaway_database  # noqa: E402
from bench.tables import print_table, summary  # noqa: E402

USER = "ruben"  # demo user in wijkteam-triage (task A) and wijkteam-regie (task B)
COMPLETION_TARGET = 3.0  # x floor
INSTANCES_TARGET = 40.0  # instances/s, sequential client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> str:
    """Migrate, seed the demo users, deploy the two-step pathway; returns ruben's API token."""
    from app.extensions import db
    from app.services.access import demo, identity
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy
    from bench.pgdb import make_app

    flask_app = make_app(url)
    fixtures = ROOT / "tests" / "fixtures"
    files = {name: (fixtures / name).read_bytes() for name in ("two_step.bpmn", "stap-a.schema.json")}
    with flask_app.app_context():
        demo.seed()
        deploy(files, actor=SYSTEM, name="bench", source="cli")
        token = identity.issue_token(USER)
        db.session.remove()
        db.engine.dispose()
    return token


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        self.conn.request(method, path, json.dumps(body) if body is not None else None, self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:500]!r}")
        return json.loads(raw) if raw else {}

    def start(self, key: str) -> dict:
        return self.call(
            "POST", "/api/v1/process-instances",
            {"processKey": "two_step", "businessKey": key, "subject": {"displayName": "Mw. Bench"}},
            expect=201,
        )

    def my_task(self, key: str, element: str) -> str:
        page = self.call("GET", f"/api/v1/tasks?processKey=two_step&businessKey={key}&perPage=10")
        [task] = [t for t in page["items"] if t["elementId"] == element]
        return task["id"]

    def complete(self, task_id: str) -> dict:
        return self.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": {"naam": "Mw. Bench"}})

    def whole_instance(self, key: str) -> None:
        [task_a] = self.start(key)["activeTasks"]
        [task_b] = self.complete(task_a["id"])["nextTasks"]
        self.complete(task_b["id"])

    def whole_instance_via_inbox(self, key: str) -> None:
        self.start(key)
        self.complete(self.my_task(key, "task_a"))
        self.complete(self.my_task(key, "task_b"))

    def close(self) -> None:
        self.conn.close()


GUNICORN_SETTINGS = ("--workers", "2", "--threads", "4", "--log-level", "warning")


def start_gunicorn(url: str, port: int, log_path: Path, app: str = "app:create_app()") -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZORGPAD_")}
    env.update({
        "ZORGPAD_DATABASE_URL": url,
        "ZORGPAD_BENCH_FLOOR_PG": url.replace("postgresql+psycopg://", "postgresql://"),
        "ZORGPAD_LOG_LEVEL": "WARNING",
        "ZORGPAD_SECRET_KEY": "bench-secret",
        "PYTHONUNBUFFERED": "1",
    })
    log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN_SETTINGS, "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def http_floor(url: str, n: int, log_path: Path, app: str = "bench.floor_wsgi:app") -> list[float]:
    """A baseline app's POST /complete under the same gunicorn settings: the floor's
    transaction behind a bare WSGI app, or the fixed stack's least (bench/stack_floor_wsgi.py)."""
    port = free_port()
    server = start_gunicorn(url, port, log_path, app=app)
    try:
        wait_ready(port, path="/")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        samples = []
        for i in range(n + 20):
            started = time.perf_counter()
            body = b'{"data": {"naam": "x"}}'
            conn.request("POST", "/complete", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{app} answered {response.status}")
            if i >= 20:  # after warming both workers' connections
                samples.append(time.perf_counter() - started)
        conn.close()
        return samples
    finally:
        stop(server)


def wait_ready(port: int, timeout: float = 60, path: str = "/readyz") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def measure(port: int, token: str, n: int, instances: int, clients: int) -> dict:
    client = Client(port, token)
    # Warm both workers (imports, parsed process model cache, connection pools).
    for i in range(20):
        client.whole_instance(f"warm-{i}")
    # (a) completions of task A, instances started beforehand (not timed).
    tasks = [client.start(f"c-{i}")["activeTasks"][0]["id"] for i in range(n)]
    completions = []
    for task_id in tasks:
        started = time.perf_counter()
        client.complete(task_id)
        completions.append(time.perf_counter() - started)
    # (b) whole instances, one client.
    sequential = []
    t0 = time.perf_counter()
    for i in range(instances):
        started = time.perf_counter()
        client.whole_instance(f"s-{i}")
        sequential.append(time.perf_counter() - started)
    sequential_wall = time.perf_counter() - t0
    # (b') whole instances finding each task through the inbox (reference).
    via_inbox = []
    for i in range(max(1, instances // 2)):
        started = time.perf_counter()
        client.whole_instance_via_inbox(f"v-{i}")
        via_inbox.append(time.perf_counter() - started)
    client.close()
    # (c) whole instances, `clients` concurrent clients, `instances` each... split evenly.
    per_client = max(1, instances // clients) * 2
    concurrent: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def load(c: int) -> None:
        mine = Client(port, token)
        own = []
        barrier.wait()
        try:
            for i in range(per_client):
                started = time.perf_counter()
                mine.whole_instance(f"p-{c}-{i}")
                own.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(str(exc))
        finally:
            mine.close()
            with lock:
                concurrent.extend(own)

    threads = [threading.Thread(target=load, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    concurrent_wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[:3]}")
    return {
        "completions": completions,
        "sequential": sequential,
        "sequential_rate": instances / sequential_wall,
        "via_inbox": via_inbox,
        "concurrent": concurrent,
        "concurrent_rate": len(concurrent) / concurrent_wall,
    }


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="timed completions")
    parser.add_argument("--instances", type=int, default=150, help="timed sequential instances")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    with throwaway_database() as url:
        token = prepare(url)
        port = free_port()
        log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"zorgpad-bench-gunicorn-{port}.log"
        server = start_gunicorn(url, port, log_path)
        try:
            wait_ready(port)
            # The floor on the same server, in the same throw-away database.
            floor_bench.PG_URL = url.replace("postgresql+psycopg://", "postgresql://")
            floor_before = floor_bench.floor(args.n)
            result = measure(port, token, args.n, args.instances, args.clients)
            floor_after = floor_bench.floor(args.n)
        finally:
            stop(server)
        floor_http = http_floor(url, args.n, log_path)
        stack_floor = http_floor(url, args.n, log_path, app="bench.stack_floor_wsgi:app")
    floor_samples = floor_before + floor_after
    floor_name = "floor: one completion (psycopg, 1 tx)"
    print_table(
        "service over HTTP (gunicorn 2x4, PostgreSQL, auth + audit on); ratio vs the floor",
        [
            (floor_name, floor_samples),
            ("floor over HTTP (bare WSGI, same gunicorn)", floor_http),
            ("stack's least: Flask + Spiff + floor tx", stack_floor),
            ("service: POST /tasks/<id>/complete", result["completions"]),
            ("service: whole instance, sequential (3 req)", result["sequential"]),
            ("service: whole instance via inbox (5 req)", result["via_inbox"]),
            (f"service: whole instance, {args.clients} clients (latency)", result["concurrent"]),
        ],
        baseline=floor_name,
    )
    floor_median = summary(floor_samples)[0]
    completion_ratio = summary(result["completions"])[0] / floor_median
    floor_rate = 1 / floor_median
    seq, par = result["sequential_rate"], result["concurrent_rate"]
    print(f"\n{'target':<58} | {'measured':>14} | verdict")
    print("-" * 86)
    print(f"{'completion median <= 3x floor median':<58} | {completion_ratio:13.2f}x | "
          f"{verdict(completion_ratio <= COMPLETION_TARGET)}")
    http_ratio = summary(result["completions"])[0] / summary(floor_http)[0]
    print(f"{'  ... completion median / floor-over-HTTP median':<58} | {http_ratio:13.2f}x | -")
    least_ratio = summary(stack_floor)[0] / floor_median
    label = "  ... the stack's least / floor median"
    print(f"{label:<58} | {least_ratio:13.2f}x | -")
    stack_ratio = summary(result["completions"])[0] / summary(stack_floor)[0]
    label = "  ... completion median / the stack's least median"
    print(f"{label:<58} | {stack_ratio:13.2f}x | -")
    print(f"{'whole instances/s, sequential client >= 40':<58} | {seq:12.1f}/s | "
          f"{verdict(seq >= INSTANCES_TARGET)}")
    print(f"{'  ... as a ratio to floor transactions/s':<58} | {seq / floor_rate:13.3f}x | -")
    print(f"{f'whole instances/s, {args.clients} concurrent clients':<58} | {par:12.1f}/s | -")
    print(f"{'  ... scaling vs sequential':<58} | {par / seq:13.2f}x | -")


if __name__ == "__main__":
    main()
