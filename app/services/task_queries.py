"""The inbox query (Camunda's task-query naming): filters, sorting, paging, case-data redaction.

One SELECT for the page (tasks with their case and business key joined in, and whether the
caller may see the case computed in SQL) and one COUNT: no query per row.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, asc, case, desc, exists, false, func, or_, select, true

from ..engine import clock
from ..extensions import db
from ..models import Case, HumanTask, ProcessInstance, TaskCandidate
from . import audit
from .actors import Actor

SORT_COLUMNS = {"due": HumanTask.due_at, "created": HumanTask.created_at, "priority": HumanTask.priority}
MAX_PAGE_SIZE = 200


def sees_everything(actor: Actor) -> bool:
    """Auditors read every task and case (read-only); admins and the engine see all too."""
    return actor.has_role("system") or actor.has_role("auditor")


def visible_to(actor: Actor):
    """SQL condition: the tasks this actor may see (a candidate, the assignee, or an auditor)."""
    if sees_everything(actor):
        return true()
    candidate = [TaskCandidate.user_name == actor.username]
    if actor.groups:
        candidate.append(TaskCandidate.group_name.in_(sorted(actor.groups)))
    return or_(
        HumanTask.assignee == actor.username,
        exists().where(TaskCandidate.task_id == HumanTask.id, or_(*candidate)),
    )


def case_visible_to(actor: Actor):
    """SQL condition: tasks whose case data (resident, variables, history) the actor may see.

    Through a candidate user entry, or a candidate group that sees case data; never through a
    group like the insurer's. Being the assignee alone is not enough: an insurer who claimed a
    task still sees no case data.
    """
    if sees_everything(actor):
        return true()
    candidate = [TaskCandidate.user_name == actor.username]
    if actor.case_data_groups:
        candidate.append(TaskCandidate.group_name.in_(sorted(actor.case_data_groups)))
    return exists().where(TaskCandidate.task_id == HumanTask.id, or_(*candidate))


def sees_case_of(actor: Actor, task: HumanTask) -> bool:
    """Python twin of `case_visible_to` for one loaded task."""
    if sees_everything(actor):
        return True
    return bool(set(task.candidate_groups) & actor.case_data_groups) or actor.username in task.candidate_users


@dataclass
class TaskFilter:
    status: str | None = "open"
    assignee: str | None = None
    candidate_group: str | None = None
    candidate_user: str | None = None
    unassigned: bool | None = None
    process_key: str | None = None
    business_key: str | None = None
    subject: str | None = None  # the resident's pseudonym
    case_id: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    priority: int | None = None
    min_priority: int | None = None
    max_priority: int | None = None
    overdue: bool | None = None
    name_like: str | None = None
    sort_by: str = "due"
    sort_order: str = "asc"
    page: int = 1
    per_page: int = 50


@dataclass
class TaskPage:
    items: list[dict]
    total: int


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(actor: Actor, f: TaskFilter) -> list:
    where = [visible_to(actor)]
    if f.status:
        where.append(HumanTask.status == f.status)
    if f.assignee:
        where.append(HumanTask.assignee == (actor.username if f.assignee == "me" else f.assignee))
    if f.candidate_group:
        in_group = TaskCandidate.group_name == f.candidate_group
        where.append(exists().where(TaskCandidate.task_id == HumanTask.id, in_group))
    if f.candidate_user:
        user = actor.username if f.candidate_user == "me" else f.candidate_user
        where.append(exists().where(TaskCandidate.task_id == HumanTask.id, TaskCandidate.user_name == user))
    if f.unassigned:
        where.append(HumanTask.assignee.is_(None))
    elif f.unassigned is False:
        where.append(HumanTask.assignee.is_not(None))
    if f.process_key:
        where.append(HumanTask.process_key == f.process_key)
    if f.business_key or f.subject or f.case_id:
        # Searching by who the resident is only finds tasks whose case the caller may see.
        where.append(case_visible_to(actor))
    if f.business_key:
        where.append(ProcessInstance.business_key == f.business_key)
    if f.subject:
        where.append(Case.pseudonym == f.subject)
    if f.case_id:
        where.append(HumanTask.case_id == f.case_id)
    if f.due_before:
        where.append(HumanTask.due_at < f.due_before)
    if f.due_after:
        where.append(HumanTask.due_at > f.due_after)
    if f.priority is not None:
        where.append(HumanTask.priority == f.priority)
    if f.min_priority is not None:
        where.append(HumanTask.priority >= f.min_priority)
    if f.max_priority is not None:
        where.append(HumanTask.priority <= f.max_priority)
    if f.overdue is not None:
        late = and_(HumanTask.status == "open", HumanTask.due_at.is_not(None), HumanTask.due_at < clock.now())
        where.append(late if f.overdue else ~late)
    if f.name_like:
        where.append(func.lower(HumanTask.name).like(_like_pattern(f.name_like), escape="\\"))
    return where


def _ordering(f: TaskFilter) -> list:
    column = SORT_COLUMNS[f.sort_by]
    direction = desc if f.sort_order == "desc" else asc
    # Tasks without a due date come last either way; the id makes the order total (keyset-ready).
    order = [column.is_(None)] if f.sort_by == "due" else []
    return [*order, direction(column), direction(HumanTask.id)]


def search(actor: Actor, f: TaskFilter) -> tuple[list, int]:
    """Rows of (task, pseudonym, display name, business key, sees case) for one page, and the total."""
    per_page = min(max(f.per_page, 1), MAX_PAGE_SIZE)
    sees_case = case((case_visible_to(actor), true()), else_=false()).label("sees_case")
    base = (
        select(HumanTask, Case.pseudonym, Case.display_name, ProcessInstance.business_key, sees_case)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Case, Case.id == HumanTask.case_id)
        .where(*_conditions(actor, f))
    )
    total = db.session.execute(
        select(func.count())
        .select_from(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Case, Case.id == HumanTask.case_id)
        .where(*_conditions(actor, f))
    ).scalar_one()
    rows = db.session.execute(
        base.order_by(*_ordering(f)).limit(per_page).offset((f.page - 1) * per_page)
    ).all()
    # NEN 7513: a search is logged, and so is every resident whose tasks it showed.
    audit.record_task_reads(db.session, actor, [row[0] for row in rows], **_search_terms(f))
    return rows, total


def _search_terms(f: TaskFilter) -> dict:
    """The filters of a search as plain JSON values, for its audit line."""
    return {
        key: value if isinstance(value, bool | int | float | str) or value is None else str(value)
        for key, value in dataclasses.asdict(f).items()
    }


def inbox_page(actor: Actor, f: TaskFilter) -> TaskPage:
    """One page of the inbox as summaries, redacted per row."""
    rows, total = search(actor, f)
    items = [
        task_summary(task, sees_case=bool(seen), pseudonym=pseudonym, display_name=name, business_key=key)
        for task, pseudonym, name, key, seen in rows
    ]
    return TaskPage(items=items, total=total)


def task_summary(
    task: HumanTask,
    *,
    sees_case: bool,
    pseudonym: str | None = None,
    display_name: str | None = None,
    business_key: str | None = None,
) -> dict:
    """A task as the inbox lists it; without case data when the caller may not see the case."""
    now = clock.now()
    return {
        "id": task.id,
        "name": task.name,
        "element_id": task.element_id,
        "process_key": task.process_key,
        "instance_id": task.instance_id,
        "case_id": task.case_id if sees_case else None,
        "business_key": business_key if sees_case else None,
        "subject": (
            {"pseudonym": pseudonym, "displayName": display_name} if sees_case and pseudonym else None
        ),
        "lane": task.lane,
        "candidate_groups": task.candidate_groups,
        "candidate_users": task.candidate_users,
        "assignee": task.assignee,
        "status": task.status,
        "due_at": task.due_at,
        "overdue": bool(task.status == "open" and task.due_at is not None and task.due_at < now),
        "priority": task.priority,
        "form_key": task.form_key,
        "documentation": task.documentation,
        "created_at": task.created_at,
        "claimed_at": task.claimed_at,
        "completed_at": task.completed_at,
        "completed_by": task.completed_by,
        "case_data": sees_case,
    }
