"""Graceful shutdown: SIGTERM lets `zorgpad worker` finish the step in hand and exit 0."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.models import HistoryEvent, HumanTask
from app.services.access.actors import SYSTEM
from app.services.instances import lifecycle as instances
from tests.reliability.support import (
    assert_rows_match_engine_state,
    require_postgresql,
    start_worker,
    stop,
    wait_for,
)

TOTAL = 120


def _fired(db) -> list:
    db.session.rollback()
    query = select(HistoryEvent.instance_id).where(HistoryEvent.kind == "timer_fired")
    return list(db.session.execute(query).scalars())


def test_sigterm_mid_run_exits_cleanly_with_nothing_half_done(deploy, db, clock, app, tmp_path):
    require_postgresql(db, "worker processes run beside web nodes on PostgreSQL in production")
    deploy("escalation.bpmn")
    clock.now = datetime.now(UTC) - timedelta(days=3)  # timers due for the real-clock worker
    started = [instances.start_instance("escalation", actor=SYSTEM).id for _ in range(TOTAL)]
    db.session.remove()
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    worker = start_worker(url, tmp_path / "first.log")
    try:
        wait_for(lambda: len(_fired(db)) > 0, 60, "the worker to start firing", interval=0.02)
    finally:
        code = stop(worker, signal.SIGTERM)
    log = (tmp_path / "first.log").read_text()
    assert code == 0, log[-3000:]
    assert '"message": "worker stopped"' in log
    first = _fired(db)
    assert len(first) == len(set(first))
    assert assert_rows_match_engine_state(db) == TOTAL  # each instance fully stepped or untouched

    # A restarted worker does the rest; every timer fires exactly once overall.
    worker = start_worker(url, tmp_path / "second.log")
    try:
        wait_for(lambda: len(_fired(db)) >= TOTAL, 90, "every timer to fire")
    finally:
        assert stop(worker) == 0
    fired = _fired(db)
    assert sorted(fired) == sorted(started)
    escalations = db.session.execute(
        select(func.count()).select_from(HumanTask).where(HumanTask.element_id == "escalate")
    ).scalar()
    assert escalations == TOTAL
    assert assert_rows_match_engine_state(db) == TOTAL


def test_embedded_worker_stops_after_its_step(tmp_path, monkeypatch):
    from app import create_app
    from app.services.instances.worker import stop_embedded_worker

    monkeypatch.setenv("ZORGPAD_DATABASE_URL", f"sqlite:///{tmp_path / 'embedded.db'}")
    flask_app = create_app(
        {"TESTING": True, "ZORGPAD_EMBEDDED_WORKER": True, "ZORGPAD_WORKER_INTERVAL": 0.05}
    )
    thread = flask_app.extensions["zorgpad_worker_thread"]
    assert thread.is_alive()
    assert stop_embedded_worker(flask_app, timeout=10)
    assert not thread.is_alive()


def test_gunicorn_sigterm_stops_the_embedded_worker_and_exits_cleanly(db, app, tmp_path):
    import subprocess
    import sys

    from tests.reliability.support import ROOT, env_for
    from tests.reliability.test_crash_safety import Client, _free_port

    require_postgresql(db, "one database shared by the test and the server process")
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--embedded-worker"],
            cwd=ROOT,
            env=env_for(app.config["SQLALCHEMY_DATABASE_URI"]),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: Client(port, "-").call("GET", "/healthz")[0] == 200, 30, "gunicorn")
            wait_for(lambda: "worker started" in log_path.read_text(), 30, "the embedded worker")
        finally:
            code = stop(server, signal.SIGTERM)
    text = log_path.read_text()
    assert code == 0, text[-3000:]
    assert '"message": "worker stopped"' in text  # stopped after its step (worker_exit hook), not killed
