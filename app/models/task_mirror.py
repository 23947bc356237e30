"""Keep task_candidates' copies (`task_status`, `due_at`, `task_assignee`) equal to the task's.

The inbox walks per-group indexes on those copies (services/tasks/queries.py), so a copy that
lags behind its task would list a completed task as open. Rather than asking every caller that
completes, cancels or reschedules a task to remember the candidates:

- a new candidate row takes its task's values before it is inserted (a session hook here, no
  extra statement);
- an UPDATE of a task's status, due date or assignee is copied onto its candidate rows by a
  database trigger in the same statement (migration 0006), whoever sends it; the session hook
  here only brings candidate objects already in memory up to date.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models.instances import HumanTask, TaskCandidate

# human_tasks attribute -> its copy on task_candidates
MIRRORED = {"status": "task_status", "due_at": "due_at", "assignee": "task_assignee"}


def _before_flush(session: Session, _context, _instances) -> None:
    for obj in session.new:
        if isinstance(obj, TaskCandidate):
            task = obj.task if obj.task is not None else session.get(HumanTask, obj.task_id)
            for source, copy in MIRRORED.items():
                setattr(obj, copy, getattr(task, source))


def _changed_tasks(session: Session) -> list[HumanTask]:
    changed = []
    for obj in session.dirty:
        if isinstance(obj, HumanTask):
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in MIRRORED):
                changed.append(obj)
    return changed


def _after_flush(session: Session, _context) -> None:
    # Still the pre-flush view here: `dirty` and attribute histories are those just written.
    # The rows were updated by the trigger; candidate objects already in memory would otherwise
    # show the old copy until expired.
    for task in _changed_tasks(session):
        for candidate in task.__dict__.get("candidates", ()):
            for name, copy in MIRRORED.items():
                set_committed_value(candidate, copy, getattr(task, name))


_installed = False


def install() -> None:
    """Hook the mirror into every ORM session (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    _installed = True
