"""Keep task_candidates' copies (`task_status`, `due_at`, `task_assignee`) equal to the task's.

The inbox walks per-group indexes on those copies (services/task_queries.py), so a copy that
lags behind its task would list a completed task as open. Rather than asking every caller that
completes, cancels or reschedules a task to remember the candidates, two session hooks do it:

- a new candidate row takes its task's values before it is inserted (no extra statement);
- when a flush changed the status, due date or assignee of existing tasks, one UPDATE copies
  them from `human_tasks` onto all their candidate rows; a flush that changed none of them
  (a draft, a comment) sends nothing.

Bulk Core UPDATEs of those `human_tasks` columns bypass the ORM and so these hooks; there are
none, and any new one must update `task_candidates` in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .instances import HumanTask, TaskCandidate

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
    tasks = _changed_tasks(session)
    if not tasks:
        return
    candidates = TaskCandidate.__table__
    source = HumanTask.__table__
    session.connection().execute(
        update(candidates)
        .where(candidates.c.task_id.in_([t.id for t in tasks]))
        .values(
            {
                copy: select(source.c[name]).where(source.c.id == candidates.c.task_id).scalar_subquery()
                for name, copy in MIRRORED.items()
            }
        )
    )
    for task in tasks:
        # Candidate objects already in memory would otherwise show the old copy until expired.
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
