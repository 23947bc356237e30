"""Crash safety: SIGKILL a gunicorn worker and the timer worker in the middle of a load run.

Afterwards every acknowledged request's effect is in the database, no step is half-done (inbox
and timer rows match each instance's engine state), every due timer fired exactly once, and the
audit log's hash chain verifies.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, HistoryEvent, HumanTask, ProcessInstance
from app.services import audit
from app.services.access import identity
from app.services.access.actors import SYSTEM
from app.services.instances import lifecycle as instances
from tests.reliability.support import (
    ROOT,
    assert_rows_match_engine_state,
    env_for,
    require_postgresql,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow
CLIENTS = 8
ROUNDS = 12  # per client: start a pathway, find its task, complete it
DUE_TIMERS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command may hold spaces; the parent pid is the second field after ')'.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Client:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
        finally:
            conn.close()


def test_sigkill_in_the_middle_of_a_load_run_loses_nothing(deploy, db, clock, app, tmp_path):
    require_postgresql(db, "the crash run drives gunicorn and worker processes on one PostgreSQL")
    deploy("two_step.bpmn", "stap-a.schema.json", "escalation.bpmn")
    identity.add_user("anna", roles=["professional"], organisation="wijkteam-noord")
    identity.grant("anna", groups=["wijkteam-triage", "wijkteam-regie"])
    # Instances started three days ago: the real-clock worker finds their timers due.
    clock.now = datetime.now(UTC) - timedelta(days=3)
    due = [instances.start_instance("escalation", actor=SYSTEM).id for _ in range(DUE_TIMERS)]
    clock.now = datetime.now(UTC)
    token = identity.issue_token("anna")
    db.session.remove()

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    server_log = open(tmp_path / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2", "--threads", "4"],
        cwd=ROOT, env=env_for(url), stdout=server_log, stderr=subprocess.STDOUT,
    )
    worker = start_worker(url, tmp_path / "worker1.log")
    client = Client(port, token)
    acknowledged_starts: list[str] = []
    acknowledged_completions: list[str] = []
    server_errors: list[tuple] = []
    progress = threading.Semaphore(0)
    try:
        wait_for(lambda: client.call("GET", "/readyz")[0] == 200, 30, "gunicorn to be ready")
        assert len(_children(server.pid)) == 2

        def load() -> None:
            for _ in range(ROUNDS):
                try:
                    status, started = client.call(
                        "POST", "/api/v1/process-instances",
                        {"processKey": "two_step", "subject": {"displayName": "Mw. Last"}},
                    )
                    if status >= 500:
                        server_errors.append(("start", status, started))
                    if status != 201:
                        continue
                    acknowledged_starts.append(started["id"])
                    status, page = client.call("GET", "/api/v1/tasks?perPage=200&processKey=two_step")
                    if status != 200:
                        continue
                    mine = [t for t in page["items"] if t["instanceId"] == started["id"]]
                    if not mine:
                        continue
                    status, done = client.call(
                        "POST", f"/api/v1/tasks/{mine[0]['id']}/complete", {"data": {"naam": "Mw. Last"}}
                    )
                    if status >= 500:
                        server_errors.append(("complete", status, done))
                    if status == 200:
                        acknowledged_completions.append(done["id"])
                except (OSError, http.client.HTTPException):
                    pass  # a killed worker's connection: not acknowledged, nothing promised
                finally:
                    progress.release()

        clients = [threading.Thread(target=load, daemon=True) for _ in range(CLIENTS)]
        for c in clients:
            c.start()
        for _ in range(CLIENTS * ROUNDS // 3):  # a third of the way in: pull the plugs
            assert progress.acquire(timeout=60)
        victim = _children(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        worker.kill()  # SIGKILL: whatever it had in hand rolls back
        worker.wait(10)
        worker = start_worker(url, tmp_path / "worker2.log")
        for c in clients:
            c.join(120)
        assert not any(c.is_alive() for c in clients), "a client hung"

        def all_fired() -> bool:
            db.session.rollback()
            fired = db.session.execute(
                select(HistoryEvent.instance_id).where(HistoryEvent.kind == "timer_fired")
            ).scalars().all()
            return len(set(fired) & set(due)) == DUE_TIMERS

        wait_for(all_fired, 60, "every due timer to fire")
    finally:
        worker_code = stop(worker)
        server_code = stop(server)
        server_log.close()
    assert worker_code == 0
    assert server_code == 0, (tmp_path / "gunicorn.log").read_text()[-3000:]
    assert not server_errors, server_errors
    assert acknowledged_starts and acknowledged_completions

    db.session.rollback()
    import uuid

    for instance_id in acknowledged_starts:
        assert db.session.get(ProcessInstance, uuid.UUID(instance_id)) is not None
    for task_id in acknowledged_completions:
        assert db.session.get(HumanTask, uuid.UUID(task_id)).status == "completed"
    for instance_id in due:
        fired = db.session.execute(
            select(HistoryEvent.id).where(
                HistoryEvent.kind == "timer_fired", HistoryEvent.instance_id == instance_id
            )
        ).scalars().all()
        assert len(fired) == 1, instance_id
    assert assert_rows_match_engine_state(db) >= DUE_TIMERS
    # Access log lines are JSON with the request id gunicorn echoed.
    access = [
        json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()
        if line.startswith("{") and '"http"' in line
    ]
    assert access and all(line["requestId"] for line in access)
    # The audit chain survived the killed worker and timer worker: every row written (the loads
    # and completions above are audited) links to the one before it, and the head matches.
    db.session.rollback()
    chain = audit.verify(db.session)
    assert chain.ok, [str(finding) for finding in chain.findings]
    assert chain.checked >= len(acknowledged_completions)
    assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == chain.checked
