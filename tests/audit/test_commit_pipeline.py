"""The commit's last writes (history, chain head, audit rows, COMMIT) go in one pipeline on
PostgreSQL (models/pipeline.py): still one transaction, with SQLAlchemy's errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.models import AuditEvent, HistoryEvent, HumanTask
from app.services import audit
from app.services.audit import chain
from app.services.instances import creation
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from tests.audit.conftest import ANNA, open_task


def test_a_failing_audit_insert_undoes_the_whole_step(db, pathway, monkeypatch):
    instance = instances.start_instance("beslissing", actor=ANNA, subject={"displayName": "Mw. P"})
    task = open_task(instance.id)
    history_before = db.session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one()
    audit_before = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    db.session.rollback()
    values = chain._values
    # Every row of the commit claims the same place in the chain: the INSERT fails at the end.
    monkeypatch.setattr(chain, "_values", lambda event: {**values(event), "seq": 10**9})
    with pytest.raises(IntegrityError):
        tasks.complete(task.id, {"scores": [3, 1, 4], "bekend_bij_fact": False}, actor=ANNA)
    monkeypatch.undo()
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "open"  # the ORM's flushed UPDATE too
    assert db.session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one() == history_before
    assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == audit_before
    db.session.rollback()
    # And the connection is fit for the next unit of work: the step goes through now.
    tasks.complete(task.id, {"scores": [3, 1, 4], "bekend_bij_fact": False}, actor=ANNA)
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "completed"
    db.session.rollback()
    assert audit.verify(db.session).ok


def test_a_failing_insert_of_a_start_undoes_the_whole_start(db, pathway, monkeypatch):
    # A start only inserts rows with known keys, so its flush goes in the pipeline too.
    first = instances.start_instance("beslissing", actor=ANNA, subject={"displayName": "Mw. S"})
    db.session.rollback()
    counts = _counts(db)
    monkeypatch.setattr(creation.uuid, "uuid4", lambda: first.id)  # the same instance id again
    with pytest.raises(IntegrityError):
        instances.start_instance("beslissing", actor=ANNA, subject={"displayName": "Mw. T"})
    monkeypatch.undo()
    assert _counts(db) == counts
    instances.start_instance("beslissing", actor=ANNA, subject={"displayName": "Mw. T"})
    db.session.rollback()
    assert audit.verify(db.session).ok


def _counts(db) -> tuple[int, ...]:
    from app.models import Case, ProcessInstance

    db.session.rollback()
    found = tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Case, ProcessInstance, HumanTask, HistoryEvent, AuditEvent)
    )
    db.session.rollback()
    return found
