"""The worker's rollup: incremental in any batch size equals a rebuild, rows read twice change
nothing, and a history id committed late (after higher ones) is not lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from app.models import (
    HistoryEvent,
    InsightInstance,
    InsightNormCase,
    InsightPassage,
    InsightTask,
    InsightWatermark,
)
from app.services.insight import rollup
from tests.insight.region import Region

FACTS = (InsightInstance, InsightTask, InsightNormCase, InsightPassage)
NOW = timedelta(0)


def snapshot(db) -> dict:
    db.session.expire_all()
    found = {}
    for model in FACTS:
        keys = [c for c in model.__table__.primary_key.columns]
        rows = db.session.execute(select(model.__table__).order_by(*keys)).all()
        found[model.__tablename__] = [tuple(row) for row in rows]
    return found


def reset(db, *, facts: bool) -> None:
    if facts:
        for model in FACTS:
            db.session.execute(delete(model))
    db.session.execute(update(InsightWatermark).values(last_id=0, gap_id=None, gap_seen_at=None))
    db.session.commit()


@pytest.fixture
def region(insight, pathways, db, clock):
    Region(clock, seed=4).run(residents=8, spread_days=8, until=clock.now + timedelta(days=140))


def test_small_batches_a_rebuild_and_a_second_reading_give_the_same_facts(region, db):
    applied = rollup.refresh(batch=37, grace=NOW)
    total = db.session.execute(select(func.count()).select_from(HistoryEvent)).scalar_one()
    assert applied == total
    incremental = snapshot(db)
    assert all(incremental.values())
    grown = db.session.execute(select(InsightInstance.variant).where(InsightInstance.variant.contains(">")))
    assert grown.first() is not None  # the paths grew step by step across batches

    reset(db, facts=False)  # read everything again over the existing facts
    rollup.refresh(grace=NOW)
    assert snapshot(db) == incremental

    reset(db, facts=True)  # and from nothing, in one go
    rollup.refresh(batch=100_000, grace=NOW)
    assert snapshot(db) == incremental
    assert rollup.refresh(grace=NOW) == 0  # nothing new: nothing read


def test_an_id_committed_late_is_not_passed(region, db, clock):
    rollup.refresh(grace=NOW)
    task = (
        db.session.execute(
            select(InsightTask).where(InsightTask.status == "completed", InsightTask.claimed_at.is_not(None))
        )
        .scalars()
        .first()
    )
    last = db.session.execute(select(func.max(HistoryEvent.id))).scalar_one()
    # Two transactions: the one with the lower id (a claim before the recorded one) commits
    # after the one with the higher id.
    earlier = task.created_at + (task.claimed_at - task.created_at) / 2
    row = {"instance_id": task.instance_id, "case_id": task.case_id, "kind": "task_claimed",
           "element_id": task.element_id, "task_id": task.task_id, "actor": "anna"}  # fmt: skip
    db.session.execute(
        insert(HistoryEvent).values(id=last + 2, at=clock.now, **{**row, "kind": "task_unclaimed"})
    )
    db.session.commit()
    assert rollup.refresh(grace=timedelta(hours=1)) == 1
    mark = db.session.execute(select(InsightWatermark)).scalar_one()
    assert mark.last_id == last and mark.gap_id == last + 1  # waits at the gap
    db.session.execute(insert(HistoryEvent).values(id=last + 1, at=earlier, **row))
    db.session.commit()
    rollup.refresh(grace=timedelta(hours=1))
    db.session.expire_all()
    mark = db.session.execute(select(InsightWatermark)).scalar_one()
    assert mark.last_id == last + 2 and mark.gap_id is None
    fact = db.session.get(InsightTask, task.task_id)
    assert fact.claimed_at == earlier  # the first claim, though it arrived last
    assert fact.wait_seconds == (earlier - fact.created_at).total_seconds()


def test_a_gap_that_stays_is_passed_after_the_grace(region, db, clock):
    rollup.refresh(grace=NOW)
    last = db.session.execute(select(func.max(HistoryEvent.id))).scalar_one()
    some = db.session.execute(select(InsightInstance.instance_id)).scalars().first()
    db.session.execute(
        insert(HistoryEvent).values(id=last + 3, at=clock.now, instance_id=some, kind="task_commented")
    )
    db.session.commit()
    rollup.refresh(grace=timedelta(hours=1))
    assert db.session.execute(select(InsightWatermark.last_id)).scalar_one() == last
    rollup.refresh(grace=NOW)  # a rolled-back insert: never coming
    assert db.session.execute(select(InsightWatermark.last_id)).scalar_one() == last + 3
