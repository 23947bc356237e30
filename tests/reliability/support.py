"""Helpers for the concurrency and crash tests: threads that must finish, worker processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_postgresql(db, reason: str = "SQLite serialises writers, so there is no race to test") -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip(f"PostgreSQL only: {reason}")


def race(app, clock, n: int, work: Callable[[int], object], timeout: float = 60) -> list:
    """Run `work(i)` in n threads released together; every thread must finish (no deadlock)."""
    from app.engine.clock import using_clock
    from app.extensions import db

    barrier = threading.Barrier(n, timeout=timeout)
    results: list = [None] * n

    def run(i: int) -> None:
        with app.app_context(), using_clock(clock):
            try:
                barrier.wait()
                results[i] = ("ok", work(i))
            except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
                results[i] = ("error", exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    hanging = [t for t in threads if t.is_alive()]
    assert not hanging, f"{len(hanging)} thread(s) still hanging after {timeout}s (deadlock?)"
    return results


def env_for(database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZORGPAD_")}
    env.update({"ZORGPAD_DATABASE_URL": database_url, "ZORGPAD_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start_worker(database_url: str, log_path: Path, interval: float = 0.2) -> subprocess.Popen:
    """A `zorgpad worker` process on the test database (real clock), logging to a file."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process by the caller's stop()
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker", "--interval", str(interval)],
        cwd=ROOT,
        env=env_for(database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        raise AssertionError(f"process {process.pid} did not stop within {timeout}s") from None


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def assert_rows_match_engine_state(db) -> int:
    """No half-done step: every instance's inbox and timer rows match its stored engine state."""
    from sqlalchemy import select

    from app.models import HumanTask, ProcessInstance, Timer
    from app.services.instances.runs import load_run

    db.session.expire_all()
    checked = 0
    for instance in db.session.execute(select(ProcessInstance)).scalars():
        open_rows = set(
            db.session.execute(
                select(HumanTask.id).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
            ).scalars()
        )
        pending = set(
            db.session.execute(
                select(Timer.id).where(Timer.instance_id == instance.id, Timer.status == "pending")
            ).scalars()
        )
        if instance.status in ("completed", "cancelled"):
            assert not open_rows and not pending, instance.id
            continue
        run = load_run(instance)
        assert {t.id for t in run.human_tasks()} == open_rows, f"inbox of {instance.id} differs"
        assert {t.id for t in run.timers()} == pending, f"timers of {instance.id} differ"
        checked += 1
    return checked
