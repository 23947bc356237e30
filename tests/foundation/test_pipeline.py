"""models/pipeline.py: a transaction's first read carries its BEGIN; same rows either way."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select

from app.models import User
from app.models.pipeline import opening_read
from app.services import demo

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
