"""A new task's candidate rows (`task_candidates`) are written at commit, not by the ORM.

They are written once and never change but for the copies of their task's status, due date
and assignee (kept by a trigger, migration 0006), so they need no unit of work: `runs` queues
each new task here, and the commit hook (`audit.record`) inserts all their rows in one
statement after the ORM's flush, in the commit's pipeline (models/pipeline.py). The copies are
taken from the task as it stands then. A rolled back transaction drops its queue.
"""

from __future__ import annotations

from sqlalchemy import insert

from app.models import HumanTask, TaskCandidate

PENDING = "candidates_pending"


def add(session, task: HumanTask) -> None:
    session.info.setdefault(PENDING, []).append(task)


def pending(session) -> list[HumanTask]:
    return session.info.get(PENDING, [])


def write_pending(session) -> None:
    """Insert the queued tasks' candidate rows; the caller has flushed the tasks."""
    tasks = session.info.pop(PENDING, None)
    rows = [
        {
            "task_id": task.id,
            "group_name": group,
            "user_name": user,
            "task_status": task.status,
            "due_at": task.due_at,
            "task_assignee": task.assignee,
        }
        for task in tasks or ()
        for group, user in _candidates(task)
    ]
    if rows:
        # inline(): no RETURNING of the generated ids, so the INSERT can wait in a pipeline.
        session.execute(insert(TaskCandidate.__table__).inline(), rows)


def _candidates(task: HumanTask) -> list[tuple[str | None, str | None]]:
    """(group, user) per row: a row names a candidate group or a candidate user."""
    groups = [(group, None) for group in task.candidate_groups]
    return groups + [(None, user) for user in task.candidate_users]


def discard(session) -> None:
    session.info.pop(PENDING, None)
