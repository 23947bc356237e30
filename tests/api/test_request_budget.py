"""What one request costs the database, and going on from one task to the next.

Guards, not timings (docs/performance.md): the statements a start and a completion send are
counted and bounded, so a lazy load or a query per row that slips in fails here.
"""

from __future__ import annotations

import contextlib
import uuid

import psycopg
from sqlalchemy import event, select

from app.models import HistoryEvent, HumanTask


@contextlib.contextmanager
def counted(db):
    """The statements sent, SQLAlchemy's and those sent around it (models/pipeline.py)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    if db.engine.dialect.name != "postgresql":
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return
    # On PostgreSQL the chain head is read on the psycopg connection itself: count there.
    originals = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany")}

    def counting(original):
        def call(cursor, query, *args, **kwargs):
            count(None, cursor, query if isinstance(query, str) else query.decode())
            return original(cursor, query, *args, **kwargs)

        return call

    for name, original in originals.items():
        setattr(psycopg.Cursor, name, counting(original))
    try:
        yield statements
    finally:
        for name, original in originals.items():
            setattr(psycopg.Cursor, name, original)


def _start(world, username="ruben") -> dict:
    response = world.client(username).post(
        "/api/v1/process-instances", json={"processKey": "two_step", "subject": {"displayName": "Mw. Budget"}}
    )
    assert response.status_code == 201, response.json
    return response.json


def _complete(world, task_id, username="ruben"):
    return world.client(username).post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"naam": "x"}})


def test_completion_names_the_next_task_of_the_same_pathway(world, db):
    [task_a] = _start(world)["activeTasks"]
    answer = _complete(world, task_a["id"])
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "completed"
    [task_b] = answer.json["nextTasks"]
    stored = db.session.get(HumanTask, uuid.UUID(task_b["id"]))
    assert (task_b["elementId"], task_b["status"], stored.status) == ("task_b", "open", "open")
    assert task_b["candidateGroups"] == ["wijkteam-regie", "ggz-fact"]
    last = _complete(world, task_b["id"])
    assert last.status_code == 200 and last.json["nextTasks"] == []


def test_next_tasks_hold_only_what_the_caller_may_see(world):
    # anna is in wijkteam-triage only: step B belongs to wijkteam-regie, so she is not told of it.
    [task_a] = _start(world, "anna")["activeTasks"]
    answer = _complete(world, task_a["id"], "anna")
    assert answer.status_code == 200, answer.json
    assert answer.json["nextTasks"] == []


def test_a_completion_costs_a_bounded_number_of_statements(world, db):
    warm = _start(world)["activeTasks"][0]["id"]
    assert _complete(world, warm).status_code == 200  # token, form cache and chain head are warm now
    [task_a] = _start(world)["activeTasks"]
    with counted(db) as statements:
        answer = _complete(world, task_a["id"])
    assert answer.status_code == 200
    # Actor; the task with its instance, definition, case and the instance's open tasks; 2 updates,
    # 2 inserts (task and its candidates); history in one insert; chain head lock + audit insert.
    # The candidates' copies and the chain head follow by trigger (migration 0006).
    # SQLite inserts the two candidate rows one at a time (it returns their ids row by row).
    assert len(statements) <= (9 if db.engine.dialect.name == "postgresql" else 10), statements
    assert not [s for s in statements if s.startswith("UPDATE task_candidates")]
    assert _count(statements, "INSERT INTO history_events") == 1
    assert _count(statements, "INSERT INTO audit_events") == 1
    # The case comes with the task; the form schema from the cache (content-addressed).
    assert not [s for s in statements if s.startswith(("SELECT cases", "SELECT resources"))]


def test_a_start_costs_a_bounded_number_of_statements(world, db):
    _start(world)  # warm-up
    with counted(db) as statements:
        _start(world)
    # Actor, definition, case, instance (+ its first state), task + candidates, history, the
    # chain head lock and the audit rows. The answer comes from memory (started_detail).
    assert len(statements) <= 9, statements
    assert _count(statements, "INSERT INTO history_events") == 1


def test_the_start_answer_equals_reading_the_instance_afterwards(world):
    # The start answers from memory (services.instance_queries.started_detail); a read goes to
    # the database. Both must say the same, for a lane member (case data) and an admin.
    for username in ("ruben", "anna", "admin"):
        started = world.client(username).post(
            "/api/v1/process-instances",
            json={"processKey": "two_step", "businessKey": f"bk-{username}", "subject": {"displayName": "A"}},
        )
        assert started.status_code in (201, 403), started.json
        if started.status_code == 403:
            continue
        read = world.client(username).get(f"/api/v1/process-instances/{started.json['id']}")
        assert read.status_code == 200, read.json
        assert started.json == read.json
        assert started.json["activeTasks"] and started.json["caseData"] is True


def _count(statements: list[str], prefix: str) -> int:
    return sum(1 for s in statements if s.startswith(prefix))


def test_history_rows_are_written_in_order_at_commit_and_not_after_a_rollback(world, db):
    instance = _start(world)
    kinds = (
        db.session.execute(
            select(HistoryEvent.kind)
            .where(HistoryEvent.instance_id == uuid.UUID(instance["id"]))
            .order_by(HistoryEvent.id)
        )
        .scalars()
        .all()
    )
    assert kinds[0] == "instance_started" and kinds[-1] == "task_created"
    # A completion that fails validation rolls back: no history line, no audit line of it.
    before = db.session.execute(select(HistoryEvent.id).order_by(HistoryEvent.id.desc()).limit(1)).scalar()
    db.session.rollback()
    bad = world.client("ruben").post(
        f"/api/v1/tasks/{instance['activeTasks'][0]['id']}/complete", json={"data": {"naam": 5}}
    )
    assert bad.status_code == 422
    after = db.session.execute(select(HistoryEvent.id).order_by(HistoryEvent.id.desc()).limit(1)).scalar()
    assert after == before
