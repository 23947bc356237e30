"""task_candidates carry a copy of their task's status, due date and assignee (for the inbox).

The copy must follow the task through every change: creation, claim, unclaim, assignment,
completion, the engine withdrawing a task, cancelling the instance, a changed due date and an
UPDATE sent by hand; the database's trigger (migration 0006) does it in the statement that
changes the task, so the application sends no UPDATE of its own. And migration 0005 fills the
copy for existing rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from app.models import HumanTask, TaskCandidate
from app.services.access import demo
from app.services.instances import lifecycle as instances
from app.services.instances import timers
from app.services.tasks import actions as tasks
from tests.support import make_actor

ANNA = make_actor("anna", ["wijkteam-triage"])


def _copies(db) -> dict:
    """{(task name, group or user, row): ((copied status, due, assignee), (the task's own))}."""
    rows = db.session.execute(
        select(
            HumanTask.name,
            TaskCandidate.group_name,
            TaskCandidate.user_name,
            TaskCandidate.task_status,
            TaskCandidate.due_at,
            TaskCandidate.task_assignee,
            HumanTask.status,
            HumanTask.due_at,
            HumanTask.assignee,
        ).join(HumanTask, HumanTask.id == TaskCandidate.task_id)
    ).all()
    return {(row[0], row[1] or row[2], n): (tuple(row[3:6]), tuple(row[6:9])) for n, row in enumerate(rows)}


def _assert_mirrored(db, expected: set[tuple[str, str]]) -> None:
    """Every copy equals its task's values; `expected` is {(task name, status)}."""
    db.session.expire_all()
    copies = _copies(db)
    assert copies, "no candidate rows"
    for key, (copy, task) in copies.items():
        assert copy == task, key
    assert {(name, copy[0]) for (name, _, _), (copy, _) in copies.items()} == expected


class CandidateUpdates:
    """Counts the UPDATE statements the application sends to task_candidates while active."""

    def __init__(self, db):
        self.engine, self.count = db.engine, 0

    def _seen(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE TASK_CANDIDATES"):
            self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _task(db, instance, element_id: str) -> HumanTask:
    return db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.element_id == element_id)
    ).scalar_one()


def test_copy_follows_create_claim_withdraw_and_complete(deploy, db, clock):
    deploy("withdrawn.bpmn")
    instance = instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. K"})
    call = _task(db, instance, "call")
    assert call.due_at == clock.now + timedelta(days=2)
    _assert_mirrored(db, {("Bewoner terugbellen", "open")})
    assert {key[1] for key in _copies(db)} == {"wijkteam-triage", "wijkteam-regie", "petra"}

    with CandidateUpdates(db) as updates:
        tasks.save_draft(call.id, {"notitie": "voicemail"}, actor=ANNA)
    assert updates.count == 0

    with CandidateUpdates(db) as updates:
        tasks.claim(call.id, actor=ANNA)
    assert updates.count == 0  # the trigger copies
    _assert_mirrored(db, {("Bewoner terugbellen", "open")})
    assert {copy[2] for copy, _ in _copies(db).values()} == {"anna"}
    with CandidateUpdates(db) as updates:
        tasks.unclaim(call.id, actor=ANNA)
    assert updates.count == 0  # the trigger copies
    _assert_mirrored(db, {("Bewoner terugbellen", "open")})
    assert {copy[2] for copy, _ in _copies(db).values()} == {None}
    tasks.claim(call.id, actor=ANNA)

    clock.advance(days=1, minutes=1)
    with CandidateUpdates(db) as updates:
        assert timers.fire_due_timers() == 1  # interrupting: the engine withdraws the call
    assert updates.count == 0  # the trigger copies
    _assert_mirrored(db, {("Bewoner terugbellen", "cancelled"), ("Brief sturen", "open")})

    letter = _task(db, instance, "letter")
    with CandidateUpdates(db) as updates:
        tasks.complete(letter.id, {}, actor=ANNA)
    assert updates.count == 0  # the trigger copies
    _assert_mirrored(db, {("Bewoner terugbellen", "cancelled"), ("Brief sturen", "completed")})
    letter_copies = [copy for (name, _, _), (copy, _) in _copies(db).items() if name == "Brief sturen"]
    assert letter_copies and {copy[2] for copy in letter_copies} == {"anna"}  # completed by her


def test_copy_follows_assignment_and_completion_by_the_assignee(deploy, db, clock):
    demo.seed()  # assignment checks that the colleague is an active professional
    deploy("withdrawn.bpmn")
    instance = instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. P"})
    call = _task(db, instance, "call")
    tasks.assign(call.id, "petra", actor=ANNA)  # petra is a named candidate of the call
    _assert_mirrored(db, {("Bewoner terugbellen", "open")})
    assert {copy[2] for copy, _ in _copies(db).values()} == {"petra"}
    tasks.complete(call.id, {}, actor=make_actor("petra", ["peer-expert"]))
    db.session.expire_all()
    call_copies = [copy for (name, _, _), (copy, _) in _copies(db).items() if name == "Bewoner terugbellen"]
    assert {(copy[0], copy[2]) for copy in call_copies} == {("completed", "petra")}
    _assert_mirrored(db, {("Bewoner terugbellen", "completed")})


def test_copy_follows_an_update_sent_by_hand(deploy, db, clock):
    # Not through the ORM: a repair script or a bulk UPDATE keeps the inbox right too.
    deploy("withdrawn.bpmn")
    instance = instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. Q"})
    db.session.commit()
    later = clock.now + timedelta(days=30)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE human_tasks SET assignee = 'ruben', due_at = :due WHERE instance_id = :id"),
            {"due": later, "id": instance.id if db.engine.dialect.name == "postgresql" else instance.id.hex},
        )
    _assert_mirrored(db, {("Bewoner terugbellen", "open")})
    assert {copy[1:] for copy, _ in _copies(db).values()} == {(later, "ruben")}


def test_copy_follows_instance_cancel(deploy, db, clock):
    deploy("withdrawn.bpmn")
    instance = instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. L"})
    with CandidateUpdates(db) as updates:
        instances.cancel_instance(instance.id, actor=make_actor("admin", [], ["admin"]), reason="verhuisd")
    assert updates.count == 0  # the trigger copies
    _assert_mirrored(db, {("Bewoner terugbellen", "cancelled")})


def test_copy_follows_a_changed_due_date_and_loaded_candidates_see_it(deploy, db, clock):
    deploy("withdrawn.bpmn")
    instance = instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. M"})
    call = _task(db, instance, "call")
    loaded = list(call.candidates)
    later = clock.now + timedelta(days=9)
    call.due_at = later
    db.session.flush()
    assert {c.due_at for c in loaded} == {later}  # in memory, without a reload
    db.session.commit()
    _assert_mirrored(db, {("Bewoner terugbellen", "open")})
    assert {copy[1] for copy, _ in _copies(db).values()} == {later}


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of the same kind as the session's, for walking the migrations."""
    from tests.conftest import _create_pg_database, _drop_pg_database

    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name, url = _create_pg_database()
    yield url
    _drop_pg_database(name)


def test_migration_0005_fills_the_copy_from_existing_tasks(fresh_database, clock):
    from app import create_app
    from app.extensions import db as database
    from app.models.schema import upgrade
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy
    from tests.support import fixture_files

    flask_app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_database, "TESTING": True, "SECRET_KEY": "t"})
    with flask_app.app_context():
        try:
            upgrade()
            deploy(fixture_files("withdrawn.bpmn"), actor=SYSTEM, name="t", source="cli")
            done = instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. N"})
            instances.start_instance("withdrawn", actor=ANNA, subject={"displayName": "Mw. O"})
            tasks.complete(_task(database, done, "call").id, {}, actor=ANNA)
            database.session.remove()
            # Back to before the copy existed, change a due date there, and forward again.
            from alembic import command

            from app.models.schema import alembic_config

            command.downgrade(alembic_config(), "0004")
            with database.engine.begin() as conn:
                conn.execute(
                    text("UPDATE human_tasks SET due_at = NULL, assignee = 'ruben' WHERE status = 'open'")
                )
            upgrade()
            expected = {("Bewoner terugbellen", "completed"), ("Bewoner terugbellen", "open")}
            _assert_mirrored(database, expected)
            open_copies = [copy for copy, task in _copies(database).values() if task[0] == "open"]
            assert open_copies and {copy[1:] for copy in open_copies} == {(None, "ruben")}
        finally:
            database.session.remove()
            database.engine.dispose()
