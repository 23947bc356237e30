"""The inbox: who may see a task, claim it, give it back, and complete it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from jsonschema import Draft202012Validator
from sqlalchemy import exists, false, func, or_, select

from ..engine import EngineError, UnknownTask, clock
from ..models import HumanTask, TaskCandidate
from . import deliveries
from .actors import Actor
from .deployments import form_schema
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessFailure
from .runs import history, load_run, save_run
from .unit_of_work import unit_of_work

ACTING_ROLES = ("professional", "admin", "system")


def visible_to(actor: Actor):
    """SQL condition: the tasks this actor may see (a candidate, or the assignee)."""
    if actor.has_role("system"):
        return HumanTask.id.is_not(None)
    conditions = [HumanTask.assignee == actor.username]
    candidate = [TaskCandidate.user_name == actor.username]
    if actor.groups:
        candidate.append(TaskCandidate.group_name.in_(sorted(actor.groups)))
    conditions.append(exists().where(TaskCandidate.task_id == HumanTask.id, or_(*candidate)))
    return or_(*conditions) if conditions else false()


def is_candidate(actor: Actor, task: HumanTask) -> bool:
    if actor.has_role("system"):
        return True
    return bool(set(task.candidate_groups) & actor.groups) or actor.username in task.candidate_users


def can_see(actor: Actor, task: HumanTask) -> bool:
    return actor.has_role("system") or task.assignee == actor.username or is_candidate(actor, task)


@dataclass
class TaskPage:
    items: list[HumanTask]
    total: int


def list_tasks(
    actor: Actor,
    *,
    status: str = "open",
    assignee: str | None = None,
    candidate_group: str | None = None,
    unassigned: bool | None = None,
    process_key: str | None = None,
    page: int = 1,
    per_page: int = 50,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    overdue: bool | None = None,
    min_priority: int | None = None,
    name_like: str | None = None,
    sort: str = "due",
    descending: bool = False,
) -> TaskPage:
    """Tasks the actor may see, filtered and sorted as Camunda's task query names things."""
    from ..extensions import db

    query = select(HumanTask).where(visible_to(actor))
    if status:
        query = query.where(HumanTask.status == status)
    if assignee:
        query = query.where(HumanTask.assignee == (actor.username if assignee == "me" else assignee))
    if candidate_group:
        query = query.where(
            exists().where(TaskCandidate.task_id == HumanTask.id, TaskCandidate.group_name == candidate_group)
        )
    if unassigned:
        query = query.where(HumanTask.assignee.is_(None))
    if process_key:
        query = query.where(HumanTask.process_key == process_key)
    if due_before:
        query = query.where(HumanTask.due_at < due_before)
    if due_after:
        query = query.where(HumanTask.due_at >= due_after)
    if overdue:
        query = query.where(HumanTask.due_at < clock.now())
    if min_priority is not None:
        query = query.where(HumanTask.priority >= min_priority)
    if name_like:
        # Task names are step names ("Melding vastleggen"), never resident data.
        escaped = name_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(HumanTask.name).like(f"%{escaped.lower()}%", escape="\\"))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = (
        db.session.execute(
            query.order_by(*_ordering(sort, descending)).limit(per_page).offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return TaskPage(items=list(rows), total=total)


SORTS = ("due", "created", "priority")


def _ordering(sort: str, descending: bool) -> list:
    column = {"created": HumanTask.created_at, "priority": HumanTask.priority}.get(sort, HumanTask.due_at)
    primary = column.desc() if descending else column.asc()
    # Tasks without a due date go last whichever way due dates are sorted.
    nulls_last = [HumanTask.due_at.is_(None)] if column is HumanTask.due_at else []
    return [*nulls_last, primary, HumanTask.created_at, HumanTask.id]


def _task_id(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("no such task") from None


def get_task(session, task_id, actor: Actor) -> HumanTask:
    """The task, if the actor may see it. Not visible is 404, so nobody learns a case exists."""
    task = session.get(HumanTask, _task_id(task_id))
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
    return task


def _require_acting(actor: Actor) -> None:
    if not any(actor.has_role(role) for role in ACTING_ROLES):
        raise Forbidden("your role may read tasks but not act on them")


def claim(task_id, *, actor: Actor) -> HumanTask:
    _require_acting(actor)
    with unit_of_work() as session:
        task = get_task(session, task_id, actor)
        _require_open(task)
        if task.assignee and task.assignee != actor.username:
            raise Conflict(f"this task is already claimed by {task.assignee}")
        if not is_candidate(actor, task) and task.assignee != actor.username:
            raise Forbidden("only a member of the task's groups may claim it")
        task.assignee = actor.username
        task.claimed_at = clock.now()
        history(
            session,
            task.instance,
            "task_claimed",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            task_id=task.id,
        )
    return task


def unclaim(task_id, *, actor: Actor) -> HumanTask:
    _require_acting(actor)
    with unit_of_work() as session:
        task = get_task(session, task_id, actor)
        _require_open(task)
        if task.assignee != actor.username and not actor.has_role("admin"):
            raise Conflict("only the assignee may give this task back")
        task.assignee = None
        task.claimed_at = None
        history(
            session,
            task.instance,
            "task_unclaimed",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            task_id=task.id,
        )
    return task


def _require_open(task: HumanTask) -> None:
    if task.status != "open":
        raise Conflict(f"this task is {task.status}")


def validate_form_data(task: HumanTask, data: dict) -> None:
    validate_against(form_schema(task.instance.definition, task.form_key), data)


def validate_against(schema: dict | None, data: dict) -> None:
    """Raise InvalidInput with the messages per field path ("zrm/huisvesting") if data fails."""
    if schema is None:
        return
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        path = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = "/".join(p for p in (path, missing) if p)
        errors.setdefault(path or "(root)", []).append(error.message)
    if errors:
        raise InvalidInput("the form has errors", errors=errors)


def complete(task_id, data: dict, *, actor: Actor) -> HumanTask:
    _require_acting(actor)
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", errors={"data": ["not an object"]})
    with unit_of_work() as session:
        task = get_task(session, task_id, actor)
        _require_open(task)
        if task.assignee and task.assignee != actor.username:
            raise Conflict(f"this task is claimed by {task.assignee}")
        if not task.assignee and not is_candidate(actor, task):
            raise Forbidden("only a member of the task's groups may complete it")
        validate_form_data(task, data)
        instance = task.instance
        if instance.status != "running":
            raise Conflict(f"the pathway is {instance.status}")
        run = load_run(instance)
        try:
            run.complete(task.id, data)
        except UnknownTask as exc:
            raise Conflict(exc.message) from exc
        except EngineError as exc:
            raise ProcessFailure(f"the next step failed: {exc.message}", error=exc.as_dict()) from exc
        now = clock.now()
        task.status = "completed"
        task.completed_at = now
        task.completed_by = actor.username
        task.assignee = task.assignee or actor.username
        task.data = data
        task.draft = None
        history(
            session,
            instance,
            "task_completed",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            element_type="UserTask",
            task_id=task.id,
            data={"fields": sorted(data)},
        )
        outgoing = save_run(session, instance, run, actor)
        message_ids = [m.id for m in outgoing]
    deliveries.deliver_now(message_ids)
    return task


def save_draft(task_id, data: dict, *, actor: Actor) -> HumanTask:
    """Keep unfinished form data on the task without completing it (not validated: it may be half)."""
    _require_acting(actor)
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", errors={"data": ["not an object"]})
    with unit_of_work() as session:
        task = get_task(session, task_id, actor)
        _require_open(task)
        if task.assignee and task.assignee != actor.username:
            raise Conflict(f"this task is claimed by {task.assignee}")
        task.draft = data
        history(
            session,
            task.instance,
            "task_draft_saved",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            task_id=task.id,
            data={"fields": sorted(data)},
        )
    return task


def assign(task_id, assignee: str, *, actor: Actor) -> HumanTask:
    """Hand a task to a colleague who is a member of one of its candidate groups."""
    from ..models import Group, Membership, User

    _require_acting(actor)
    with unit_of_work() as session:
        task = get_task(session, task_id, actor)
        _require_open(task)
        if task.assignee and task.assignee != actor.username and not actor.has_role("admin"):
            raise Conflict(f"this task is claimed by {task.assignee}")
        if not is_candidate(actor, task) and task.assignee != actor.username:
            raise Forbidden("only a member of the task's groups may assign it")
        member = session.execute(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(User.username == assignee, User.active.is_(True))
            .where(Group.key.in_(task.candidate_groups or [""]))
            .limit(1)
        ).scalar_one_or_none()
        if member is None and assignee not in (task.candidate_users or []):
            raise InvalidInput(
                "only a member of the task's groups can take it",
                errors={"assignee": ["not a member of the task's groups"]},
            )
        task.assignee = assignee
        task.claimed_at = clock.now()
        history(
            session,
            task.instance,
            "task_assigned",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            task_id=task.id,
            data={"assignee": assignee},
        )
    return task
