"""Comments on a task: whoever may see the task reads them; acting roles may add them."""

from __future__ import annotations

from sqlalchemy import select

from ..engine import clock
from ..extensions import db
from ..models import TaskComment
from .actors import Actor
from .errors import InvalidInput
from .runs import history
from .tasks import _require_acting, get_task
from .unit_of_work import unit_of_work

MAX_LENGTH = 2000


def add_comment(task_id, text: str, *, actor: Actor) -> TaskComment:
    _require_acting(actor)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("a comment needs text", errors={"text": ["required"]})
    if len(text) > MAX_LENGTH:
        raise InvalidInput("the comment is too long", errors={"text": [f"at most {MAX_LENGTH} characters"]})
    with unit_of_work() as session:
        task = get_task(session, task_id, actor)
        comment = TaskComment(
            task_id=task.id, case_id=task.case_id, author=actor.username, text=text, created_at=clock.now()
        )
        session.add(comment)
        # The timeline records that a comment was made, never its text.
        history(
            session,
            task.instance,
            "task_commented",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            task_id=task.id,
        )
    return comment


def list_comments(task_id, *, actor: Actor) -> list[TaskComment]:
    task = get_task(db.session, task_id, actor)
    return list(
        db.session.execute(
            select(TaskComment)
            .where(TaskComment.task_id == task.id)
            .order_by(TaskComment.created_at, TaskComment.id)
        ).scalars()
    )
