"""The inbox query (Camunda's task-query naming): filters, sorting, paging, case-data redaction.

A fixed number of statements whatever the page holds: one bounded COUNT and one page SELECT
(tasks with their case and business key joined in, and whether the caller may see the case
computed in SQL); no query per row.

What a professional may see is a union of branches: each of their groups, themselves as a
candidate user, themselves as the assignee. Each branch walks its own index in page order
(`task_candidates` carries the task's status and due date for that, see `models/task_mirror.py`)
and stops after `offset + page` rows, so the work depends on the page, not on how many tasks
exist. That is exact: a task among the first k of the union is among the first k of every
branch it is in. The page query then orders the few ids the branches found.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    and_,
    asc,
    bindparam,
    case,
    desc,
    distinct,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from app.engine import clock
from app.extensions import db
from app.models import Case, HumanTask, ProcessInstance, TaskCandidate
from app.services import audit
from app.services.access.actors import Actor
from app.services.errors import InvalidInput

SORT_COLUMNS = {"due": HumanTask.due_at, "created": HumanTask.created_at, "priority": HumanTask.priority}
MAX_PAGE_SIZE = 200
# The total is counted up to this many tasks; beyond it the answer is "more than COUNT_CAP"
# (`total_capped`), so a count costs the same with ten thousand open tasks as with a million.
COUNT_CAP = 1000


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
    # Keyset paging: the `next_cursor` of the previous page. Cheaper than a deep `page`, which
    # makes every branch walk past all the rows of the pages before it.
    after: str | None = None


@dataclass
class SearchResult:
    rows: list  # (task, pseudonym, display name, business key, sees case)
    total: int  # exact, unless total_capped: then COUNT_CAP and there are more
    total_capped: bool
    next_cursor: str | None  # pass as `after` for the page after this one; None on the last page


@dataclass
class TaskPage:
    items: list[dict]
    total: int
    total_capped: bool = False
    next_cursor: str | None = None


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, eq=False)
class _Branch:
    """One part of the visible set, read from one table's index.

    `start` selects the branch's rows (my group, me as candidate user or assignee, or every
    task); `status`, `due`, `assignee` and `id` are that table's columns (task_candidates'
    copies or the task's own), so the filters and the order can use the same index as `start`.
    """

    start: Any
    status: Any
    due: Any
    assignee: Any
    id: Any
    candidates: Any = None  # the aliased task_candidates row the branch starts from, if any
    check_visibility: bool = False  # `start` alone does not prove the actor may see the task


def _task_branch(start, *, check_visibility: bool = False) -> _Branch:
    ht = HumanTask
    return _Branch(start, ht.status, ht.due_at, ht.assignee, ht.id, None, check_visibility)


def _candidate_branch(condition_of, *, check_visibility: bool = False) -> _Branch:
    # Aliased: the filters' own EXISTS (task_candidates ...) must not correlate to this row.
    tc = aliased(TaskCandidate, name="branch_candidates")
    copies = (tc.task_status, tc.due_at, tc.task_assignee, tc.task_id)
    return _Branch(condition_of(tc), *copies, tc, check_visibility)


def _me(actor: Actor, name: str) -> str:
    return actor.username if name == "me" else name


def _branches(actor: Actor, f: TaskFilter) -> tuple[list[_Branch], TaskFilter]:
    """The branches whose union is "visible to the actor and matching f", and the filters left.

    A filter on the assignee or a candidate is already a small set, so it becomes the single
    branch (checked for visibility unless it implies it). Otherwise a professional's branches
    are their groups, themselves as candidate user, and (unless asking for unassigned tasks)
    themselves as assignee; an auditor's is every task.
    """
    everything = sees_everything(actor)
    if f.assignee:
        user = _me(actor, f.assignee)
        branch = _task_branch(
            HumanTask.assignee == user, check_visibility=not everything and user != actor.username
        )
        return [branch], dataclasses.replace(f, assignee=None)
    if f.candidate_user:
        user = _me(actor, f.candidate_user)
        branch = _candidate_branch(
            lambda tc: tc.user_name == user, check_visibility=not everything and user != actor.username
        )
        return [branch], dataclasses.replace(f, candidate_user=None)
    if f.candidate_group:
        group = f.candidate_group
        branch = _candidate_branch(
            lambda tc: tc.group_name == group, check_visibility=not everything and group not in actor.groups
        )
        return [branch], dataclasses.replace(f, candidate_group=None)
    resident = _resident_tasks(f)
    if resident is not None:
        # One resident's tasks are a handful: start from them (by the instance's business key
        # or the case), not from the actor's groups, whose walk would pass every open task of
        # the group before finding them.
        return [_task_branch(resident, check_visibility=not everything)], f
    if everything:
        return [_task_branch(true())], f
    branches = [_candidate_branch(lambda tc, g=group: tc.group_name == g) for group in sorted(actor.groups)]
    branches.append(_candidate_branch(lambda tc: tc.user_name == actor.username))
    if not f.unassigned:
        branches.append(_task_branch(HumanTask.assignee == actor.username))
    return branches, f


def _resident_tasks(f: TaskFilter):
    """The condition naming one resident's (or one instance's) tasks, if f names them."""
    if f.case_id:
        return HumanTask.case_id == f.case_id
    if f.business_key:
        keyed = select(ProcessInstance.id).where(ProcessInstance.business_key == f.business_key)
        return HumanTask.instance_id.in_(keyed)
    if f.subject:
        return HumanTask.case_id.in_(select(Case.id).where(Case.pseudonym == f.subject))
    return None


def _status(value: str):
    # Inlined, not a bind parameter: only then can PostgreSQL use the partial "open" indexes in
    # a prepared statement's generic plan (psycopg prepares statements it sees repeatedly).
    return bindparam("status", value, literal_execute=True, unique=True)


def _conditions(actor: Actor, f: TaskFilter, b: _Branch) -> tuple[list, list]:
    """The filters of f on branch b: those on b's own row, and those that need the task's row.

    Status, due date and (un)assigned are read from b's columns (for a candidate branch, its
    copies), so a branch with no filter of the second kind never has to join `human_tasks`.
    """
    own = [b.start]
    task = []
    if b.check_visibility:
        task.append(visible_to(actor))
    if f.status:
        own.append(b.status == _status(f.status))
    if f.assignee:
        task.append(HumanTask.assignee == _me(actor, f.assignee))
    if f.candidate_group:
        in_group = TaskCandidate.group_name == f.candidate_group
        task.append(exists().where(TaskCandidate.task_id == HumanTask.id, in_group))
    if f.candidate_user:
        user = _me(actor, f.candidate_user)
        task.append(exists().where(TaskCandidate.task_id == HumanTask.id, TaskCandidate.user_name == user))
    if f.unassigned:
        own.append(b.assignee.is_(None))
    elif f.unassigned is False:
        own.append(b.assignee.is_not(None))
    if f.process_key:
        task.append(HumanTask.process_key == f.process_key)
    if f.business_key or f.subject or f.case_id:
        # Searching by who the resident is only finds tasks whose case the caller may see.
        task.append(case_visible_to(actor))
    if f.business_key:
        task.append(ProcessInstance.business_key == f.business_key)
    if f.subject:
        task.append(Case.pseudonym == f.subject)
    if f.case_id:
        task.append(HumanTask.case_id == f.case_id)
    if f.due_before:
        own.append(b.due < f.due_before)
    if f.due_after:
        own.append(b.due > f.due_after)
    if f.priority is not None:
        task.append(HumanTask.priority == f.priority)
    if f.min_priority is not None:
        task.append(HumanTask.priority >= f.min_priority)
    if f.max_priority is not None:
        task.append(HumanTask.priority <= f.max_priority)
    if f.overdue is not None:
        late = and_(b.status == _status("open"), b.due.is_not(None), b.due < clock.now())
        own.append(late if f.overdue else ~late)
    if f.name_like:
        task.append(func.lower(HumanTask.name).like(_like_pattern(f.name_like), escape="\\"))
    return own, task


def _sort_keys(f: TaskFilter, due, id_) -> list:
    """The page order as (expression, ascending) pairs; the id makes it total (keyset-ready)."""
    ascending = f.sort_order != "desc"
    if f.sort_by == "due":
        # Tasks without a due date come last either way.
        return [(due.is_(None), True), (due, ascending), (id_, ascending)]
    return [(SORT_COLUMNS[f.sort_by], ascending), (id_, ascending)]


def _ordering(keys: list) -> list:
    return [asc(expr) if ascending else desc(expr) for expr, ascending in keys]


def _branch_select(f: TaskFilter, b: _Branch, where: tuple[list, list], walk: list, limit: int):
    """The first `limit` distinct tasks of one branch in the order `walk`: (id, k0, k1...).

    k0... are the page's sort keys (without the id) read from the branch's own columns, so the
    union can be ordered and cut to the page without touching `human_tasks`.
    """
    own, on_task = where
    page_keys = _sort_keys(f, b.due, b.id)[:-1]
    query = select(b.id.label("id"), *(expr.label(f"k{n}") for n, (expr, _) in enumerate(page_keys)))
    if b.candidates is None:
        query = query.select_from(HumanTask)
    else:
        query = query.select_from(b.candidates)
        if on_task or f.sort_by != "due":  # only the due date has a copy on the candidate row
            query = query.join(HumanTask, HumanTask.id == b.id)
        # One task may be listed twice under the same group; a branch's k rows must be k tasks.
        query = query.distinct()
    if f.business_key:
        query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    if f.subject:
        query = query.outerjoin(Case, Case.id == HumanTask.case_id)
    return query.where(*own, *on_task).order_by(*_ordering(walk)).limit(limit)


def _page_order(f: TaskFilter, rows) -> list:
    """The page order over a subquery of (id, k0, k1...) rows from `_branch_select`."""
    directions = [ascending for _, ascending in _sort_keys(f, HumanTask.due_at, HumanTask.id)]
    columns = [rows.c[f"k{n}"] for n in range(len(directions) - 1)] + [rows.c.id]
    return _ordering(list(zip(columns, directions, strict=True)))


def _union(selects: list):
    """The branches' rows as one subquery (id, k0...); each branch its own subquery, since
    SQLite allows no ORDER BY/LIMIT in a bare UNION member."""
    members = [select(sub) for sub in (s.subquery() for s in selects)]
    return (members[0] if len(members) == 1 else union_all(*members)).subquery("branches")


def _count(actor: Actor, f: TaskFilter, branches: list[_Branch]) -> tuple[int, bool]:
    """How many tasks match, counting at most COUNT_CAP + 1 of them (walked in index order)."""
    # In due order for open tasks (the partial indexes), else by id: either way each branch
    # streams and stops after COUNT_CAP + 1 distinct tasks, whatever the caller sorts by.
    by_due = dataclasses.replace(f, sort_by="due", sort_order="asc")
    selects = []
    for b in branches:
        walk = _sort_keys(by_due, b.due, b.id) if f.status == "open" else [(b.id, True)]
        selects.append(_branch_select(by_due, b, _conditions(actor, f, b), walk, COUNT_CAP + 1))
    found = db.session.execute(select(func.count(distinct(_union(selects).c.id)))).scalar_one()
    return min(found, COUNT_CAP), found > COUNT_CAP


def search(actor: Actor, f: TaskFilter) -> SearchResult:
    """One page of the tasks the actor may see that match f, the (bounded) total, the next cursor."""
    per_page = min(max(f.per_page, 1), MAX_PAGE_SIZE)
    cursor = _read_cursor(f)
    offset = 0 if cursor else (f.page - 1) * per_page
    branches, rest = _branches(actor, f)
    total, capped = _count(actor, rest, branches)
    selects = []
    for b in branches:
        own, on_task = _conditions(actor, rest, b)
        for part, walk in _walks(f, b, cursor):
            # One row more than the page: whether a next page exists, without another query.
            selects.append(_branch_select(rest, b, (own + part, on_task), walk, offset + per_page + 1))
    found = _union(selects)
    # The page's ids, ordered and cut on the branches' own key columns (a task found by two
    # branches has the same keys in both); only these rows are then read with their case.
    ids = select(found).distinct().order_by(*_page_order(f, found)).limit(per_page + 1).offset(offset)
    ids = ids.subquery("page")
    sees_case = case((case_visible_to(actor), true()), else_=false()).label("sees_case")
    page_query = (
        select(HumanTask, Case.pseudonym, Case.display_name, ProcessInstance.business_key, sees_case)
        .join(ids, ids.c.id == HumanTask.id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Case, Case.id == HumanTask.case_id)
        .order_by(*_page_order(f, ids))
    )
    rows = db.session.execute(page_query).all()
    next_cursor = _cursor_of(f, rows[per_page - 1][0]) if len(rows) > per_page else None
    rows = rows[:per_page]
    # NEN 7513: a search is logged, and so is every resident whose tasks it showed.
    audit.record_task_reads(db.session, actor, [row[0] for row in rows], **_search_terms(f))
    return SearchResult(rows=rows, total=total, total_capped=capped, next_cursor=next_cursor)


# Keyset cursors: the sort and the last row's sort key, as URL-safe base64 of a JSON list.
# Opaque to clients; they carry no case data (a due date, a creation time or a priority, and a
# task id the caller has already seen).


def _cursor_of(f: TaskFilter, task: HumanTask) -> str:
    value = getattr(task, {"due": "due_at", "created": "created_at", "priority": "priority"}[f.sort_by])
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([f.sort_by, f.sort_order, value, str(task.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class _Cursor:
    value: Any
    id: uuid.UUID


def _bad_cursor(problem: str) -> InvalidInput:
    return InvalidInput(f"invalid cursor `after`: {problem}", errors={"after": [problem]})


def _read_cursor(f: TaskFilter) -> _Cursor | None:
    if f.after is None:
        return None
    if f.page != 1:
        raise _bad_cursor("give either `after` or `page`, not both")
    try:
        text = base64.urlsafe_b64decode(f.after + "=" * (-len(f.after) % 4)).decode()
        sort_by, sort_order, value, task_id = json.loads(text)
        task_id = uuid.UUID(task_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, AttributeError):
        raise _bad_cursor("not a cursor this service gave out") from None
    if (sort_by, sort_order) != (f.sort_by, f.sort_order):
        raise _bad_cursor("it belongs to another sort order; start again from the first page")
    try:
        if sort_by == "priority":
            # Within the column's range: a forged huge number must not reach the driver (a 500).
            if not isinstance(value, int) or isinstance(value, bool) or not -(2**31) <= value < 2**31:
                raise ValueError
        elif value is not None or sort_by != "due":
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
            value = value.astimezone(UTC)  # year 1 at +05:00 is before year 1 in UTC
    except (TypeError, ValueError, OverflowError):
        raise _bad_cursor("not a cursor this service gave out") from None
    return _Cursor(value, task_id)


def _walks(f: TaskFilter, b: _Branch, cursor: _Cursor | None) -> list[tuple[list, list]]:
    """How to read branch b in page order, past the cursor: [(extra conditions, order keys)].

    One walk, except for "latest due first, undated last": no single index order gives that,
    so the dated part (the due index backwards) and the undated part are walked apart. The
    conditions name the index's own columns, so the walk starts right after the cursor instead
    of reading past every earlier row.
    """
    keys = _sort_keys(f, b.due, b.id)
    if f.sort_by != "due":
        (column, ascending), (id_, _) = keys
        if not cursor:
            return [([], keys)]
        pair, last = tuple_(column, id_), tuple_(_bound(column, cursor.value), _bound(id_, cursor.id))
        return [([pair > last if ascending else pair < last], keys)]
    # Spelled `(due_at IS NULL) IS TRUE/FALSE` to name the index's second column: PostgreSQL
    # rewrites `= false` into `due_at IS NOT NULL`, which that column no longer matches.
    undated = [b.due.is_(None).is_(true())]
    last_id = _bound(b.id, cursor.id) if cursor else None
    if f.sort_order != "desc":
        if not cursor:
            return [([], keys)]
        if cursor.value is None:  # past the last dated task: only undated ones with a later id
            return [([*undated, b.id > last_id], keys)]
        # Undated rows compare as (true, NULL, id) > (false, ...): after every dated one.
        later = tuple_(b.due.is_(None), b.due, b.id) > tuple_(
            literal(False), _bound(b.due, cursor.value), last_id
        )
        return [([later], keys)]
    # Both walks read the index backwards. `undated` is constant within each walk; PostgreSQL
    # needs it in the ORDER BY too (else its DISTINCT hashes and sorts the whole branch),
    # SQLite must not have it there (else it sorts; its DISTINCT streams either way).
    backwards = [(b.due, False), (b.id, False)]
    if db.session.get_bind().dialect.name == "postgresql":
        backwards.insert(0, (b.due.is_(None), False))
    dated = [b.due.is_(None).is_(false())]
    if not cursor:
        return [(dated, backwards), (undated, backwards)]
    if cursor.value is None:  # among the undated already: no dated task is left
        return [([*undated, b.id < last_id], backwards)]
    later_dated = tuple_(b.due, b.id) < tuple_(_bound(b.due, cursor.value), last_id)
    return [([*dated, later_dated], backwards), (undated, backwards)]


def _bound(column, value):
    return literal(value, type_=column.type)


def _search_terms(f: TaskFilter) -> dict:
    """The filters of a search as plain JSON values, for its audit line."""
    return {
        key: value if isinstance(value, bool | int | float | str) or value is None else str(value)
        for key, value in dataclasses.asdict(f).items()
    }


def inbox_page(actor: Actor, f: TaskFilter) -> TaskPage:
    """One page of the inbox as summaries, redacted per row."""
    found = search(actor, f)
    items = [
        task_summary(task, sees_case=bool(seen), pseudonym=pseudonym, display_name=name, business_key=key)
        for task, pseudonym, name, key, seen in found.rows
    ]
    return TaskPage(
        items=items, total=found.total, total_capped=found.total_capped, next_cursor=found.next_cursor
    )


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
