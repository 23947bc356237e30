"""Comments on a task: short notes between the professionals who can see it."""

from __future__ import annotations

from sqlalchemy import select

from app.engine import clock
from app.models import TaskComment
from app.services.access.actors import Actor
from app.services.errors import InvalidInput
from app.services.tasks import actions as tasks
from app.services.unit_of_work import unit_of_work

MAX_COMMENT_LENGTH = 4000


def list_comments(session, task_id, actor: Actor) -> list[TaskComment]:
    """Everyone who may see the task reads its comments (auditors included)."""
    task = tasks.get_task(session, task_id, actor)
    return list(
        session.execute(
            select(TaskComment)
            .where(TaskComment.task_id == task.id)
            .order_by(TaskComment.created_at, TaskComment.id)
        ).scalars()
    )


def add_comment(task_id, body: str, *, actor: Actor) -> TaskComment:
    text = (body or "").strip()
    if not text:
        raise InvalidInput("a comment needs text", errors={"body": ["empty"]})
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput("comment too long", errors={"body": [f"at most {MAX_COMMENT_LENGTH} characters"]})
    with unit_of_work() as session:
        task = tasks.get_task(session, task_id, actor)
        tasks.require_acting(actor)
        comment = TaskComment(
            task_id=task.id,
            instance_id=task.instance_id,
            author=actor.username,
            body=text,
            created_at=clock.now(),
        )
        session.add(comment)
        session.flush()
        # The history says a comment exists, not what it says (the text stays in its own row).
        tasks.task_history(session, task, "task_commented", actor, {"commentId": comment.id})
    return comment
