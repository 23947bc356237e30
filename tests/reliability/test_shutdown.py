"""Graceful shutdown: SIGTERM lets `zorgpad worker` finish the step in hand and exit 0."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.models import HistoryEvent, HumanTask
from app.services import instances
from app.services.actors import SYSTEM
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
