"""models/pipeline.py: a transaction's first read carries its BEGIN; same rows either way."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select

from app.models import User
from app.models.pipeline import opening_read
from app.services.access import demo

_BY_NAME = select(User.username, User.roles, User.active).where(User.username == bindparam("name"))


def test_an_opening_read_gives_the_rows_a_plain_read_gives(db):
    demo.seed()
    db.session.commit()
    opened = opening_read(db.session, _BY_NAME, {"name": "anna"})
    plain = db.session.execute(_BY_NAME, {"name": "anna"}).all()  # in the transaction it opened
    assert [tuple(r) for r in opened] == [tuple(r) for r in plain] == [("anna", ["professional"], True)]
    assert opened[0].username == "anna"  # named, like SQLAlchemy's rows
    assert opening_read(db.session, _BY_NAME, {"name": "nobody"}) == []


def test_on_postgresql_the_read_leaves_its_transaction_open(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pipeline mode is PostgreSQL's")
    from psycopg.pq import TransactionStatus

    demo.seed()
    db.session.commit()
    opening_read(db.session, _BY_NAME, {"name": "anna"})
    raw = db.session.connection().connection.driver_connection
    assert raw.info.transaction_status == TransactionStatus.INTRANS  # BEGIN went with the read
    db.session.rollback()
    assert raw.info.transaction_status == TransactionStatus.IDLE


def test_only_a_flush_of_new_rows_with_known_keys_goes_in_the_pipeline(db):
    import uuid

    from app.models import Case, TaskCandidate
    from app.models.pipeline import flush_needs_no_answer

    demo.seed()
    db.session.commit()
    assert flush_needs_no_answer(db.session)  # nothing to flush
    db.session.add(Case(id=uuid.uuid4(), pseudonym="p-1", display_name="Mw. R"))
    assert flush_needs_no_answer(db.session)  # an INSERT with its key: nothing to wait for
    db.session.add(TaskCandidate(task_id=uuid.uuid4(), group_name="g"))
    assert not flush_needs_no_answer(db.session)  # the database makes its key: RETURNING
    db.session.rollback()
    anna = db.session.execute(select(User).where(User.username == "anna")).scalar_one()
    anna.display_name = "Anna"
    assert not flush_needs_no_answer(db.session)  # an UPDATE: the ORM checks its row count
    db.session.rollback()


def test_updates_go_in_the_pipeline_only_where_it_can_send_them(db):
    from app.models import Organisation
    from app.models.pipeline import planned_updates

    demo.seed()
    db.session.commit()
    anna = db.session.execute(select(User).where(User.username == "anna")).scalar_one()
    assert planned_updates(db.session()) == ([] if db.engine.dialect.name == "postgresql" else None)
    anna.display_name = "Anna"
    [plan] = planned_updates(db.session()) or [None]
    if db.engine.dialect.name != "postgresql":
        assert plan is None  # SQLite: the ORM's flush writes it, as ever
        db.session.rollback()
        return
    assert {c.key: v for c, (_k, v) in plan.changed.items()} == {"display_name": "Anna"}
    assert list(plan.keys.values()) == [anna.id]
    anna.organisation = Organisation(key="elders", name="Elders")
    assert planned_updates(db.session()) is None  # a relationship changed: only the ORM knows how
    db.session.rollback()
    with db.session.begin_nested():
        anna.display_name = "Anna"
        assert planned_updates(db.session()) is None  # a savepoint has no pipeline
    db.session.rollback()


def test_a_pipelined_update_that_lost_the_race_is_a_conflict_and_writes_nothing(deploy, db, monkeypatch):
    # Between reading the instance and committing the completion, another writer moves its
    # version on. The completion's UPDATE, queued in the commit's pipeline, then hits no row:
    # Conflict, and nothing of the completion (task, history, audit) is written.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pipeline mode is PostgreSQL's; SQLite's ORM flush checks the version itself")
    import psycopg
    from sqlalchemy import func

    from app.models import AuditEvent, HistoryEvent, HumanTask, ProcessInstance
    from app.models import pipeline as pipeline_module
    from app.services.audit import chain
    from app.services.errors import Conflict
    from app.services.instances import lifecycle as instances
    from app.services.tasks import actions as tasks
    from tests.support import make_actor

    anna = make_actor("anna", ["wijkteam-triage"])
    deploy("two_step.bpmn", "stap-a.schema.json")
    instance = instances.start_instance("two_step", actor=anna, subject={"displayName": "Mw. R"})
    task_id = db.session.execute(
        select(HumanTask.id).where(HumanTask.instance_id == instance.id)
    ).scalar_one()
    instance_id = instance.id
    db.session.commit()
    audit_rows = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    original_save_run = tasks.save_run
    sent = []

    def save_run_then_someone_else_writes(*args, **kwargs):
        outgoing = original_save_run(*args, **kwargs)
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("UPDATE process_instances SET version = version + 1 WHERE id = %s", (instance_id,))
        return outgoing

    original_send = pipeline_module._PipelinedBatch.send_staged

    def send_staged(self, **kwargs):
        sent.extend(what for _sql, _params, what, _later in self.staged)
        return original_send(self, **kwargs)

    monkeypatch.setattr(tasks, "save_run", save_run_then_someone_else_writes)
    monkeypatch.setattr(pipeline_module._PipelinedBatch, "send_staged", send_staged)
    with pytest.raises(Conflict):
        tasks.complete(task_id, {"naam": "x"}, actor=anna)
    assert any(what.startswith("process_instances") for what in sent)  # it went the pipelined way
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == "open"
    assert db.session.get(ProcessInstance, instance_id).version == 2  # the other writer's
    kinds = select(HistoryEvent.kind).where(HistoryEvent.instance_id == instance_id)
    assert "task_completed" not in set(db.session.execute(kinds).scalars())
    assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar() == audit_rows
    assert chain.verify(db.session).ok
    # Read again, the completion goes through.
    monkeypatch.setattr(tasks, "save_run", original_save_run)
    assert tasks.complete(task_id, {"naam": "x"}, actor=anna).status == "completed"
