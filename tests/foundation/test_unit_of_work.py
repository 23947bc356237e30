"""The unit of work: one commit per use case; what a caller keeps after it, and for how long."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect, update

from app.engine import clock
from app.models import Case
from app.services.unit_of_work import KEEP, KEPT, keep_after_commit, unit_of_work


def _case(display_name: str) -> Case:
    return Case(
        id=uuid.uuid4(), pseudonym=uuid.uuid4().hex, display_name=display_name, created_at=clock.now()
    )


def test_a_kept_object_stays_loaded_after_commit_and_is_reread_by_the_next_unit(db):
    with unit_of_work() as session:
        kept, other = _case("Kept"), _case("Other")
        session.add_all([kept, other])
        keep_after_commit(session, kept)
    assert "display_name" not in inspect(kept).expired_attributes  # no reload to answer with it
    assert "display_name" in inspect(other).expired_attributes  # everything else as usual
    # Someone else changes the row; the next unit of work must read it, not the kept copy.
    with db.engine.begin() as conn:
        conn.execute(update(Case.__table__).where(Case.id == kept.id).values(display_name="Changed"))
    with unit_of_work():
        assert kept.display_name == "Changed"


def test_nothing_is_kept_after_a_rollback(db):
    try:
        with unit_of_work() as session:
            case = _case("Gone")
            session.add(case)
            keep_after_commit(session, case)
            raise RuntimeError("the use case fails")
    except RuntimeError:
        pass
    assert KEEP not in db.session.info and KEPT not in db.session.info
    with unit_of_work() as session:
        assert session.get(Case, case.id) is None
