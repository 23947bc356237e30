"""The inbox as a union of per-branch index walks: same answers as the plain definition.

`task_queries.search` reads what a professional may see as one branch per group, one for them
as a candidate user and one for them as assignee, each cut off after a page. These tests load
tasks that sit in several branches at once (and twice under one group), with and without due
dates and with ties, and compare every page, the cursor walk and the (capped) total with the
definition written out in Python over all rows.
"""

from __future__ import annotations

import base64
import json
import random
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from app.models import HumanTask, ProcessInstance, TaskCandidate
from app.services.definitions.versions import get_definition
from app.services.tasks import queries as task_queries
from app.services.tasks.queries import TaskFilter, search
from tests.api.conftest import assert_problem
from tests.support import make_actor

ME = make_actor("me", ["g1", "g2"])
LONER = make_actor("loner", [])  # no groups: only the candidate-user and assignee branches
AUDITOR = make_actor("audrey", [], ["auditor"])
GROUP_SETS = [["g1"], ["g2"], ["g1", "g2"], ["g3"], ["g1", "g1"], ["g4", "g2"], []]


@pytest.fixture
def tasks(db, deploy, clock):
    """80 tasks over 4 groups (me: g1, g2), some for me or loner by name, some assigned."""
    deploy("two_step.bpmn", "stap-a.schema.json")
    definition = get_definition(db.session, "two_step")
    instance = ProcessInstance(
        id=uuid.uuid4(), definition_id=definition.id, process_key="two_step", status="running", state={},
        started_at=clock.now,
    )
    db.session.add(instance)
    rnd = random.Random(8)
    for i in range(80):
        groups = rnd.choice(GROUP_SETS)
        users = rnd.choice([[], [], ["me"], ["loner"], ["me", "me"]])
        task = HumanTask(
            id=uuid.UUID(int=rnd.getrandbits(128)),
            instance_id=instance.id,
            process_key="two_step",
            element_id=f"e{i % 3}",
            name=f"Taak {i % 5}",
            lane=groups[0] if groups else None,
            candidate_groups=groups,
            candidate_users=users,
            assignee=rnd.choice([None, None, None, "me", "loner", "other"]),
            status=rnd.choice(["open", "open", "open", "completed"]),
            # Whole half-days: many tasks share a due date, so the id decides between them.
            due_at=None if rnd.random() < 0.2 else clock.now + timedelta(hours=rnd.randrange(-48, 48, 12)),
            priority=rnd.choice([20, 50, 75, 90]),
            created_at=clock.now - timedelta(minutes=rnd.randrange(0, 600, 30)),
        )
        task.candidates = [TaskCandidate(group_name=g) for g in groups] + [
            TaskCandidate(user_name=u) for u in users
        ]
        db.session.add(task)
    db.session.commit()
    return db


def _sees(actor, task) -> bool:
    if task_queries.sees_everything(actor):
        return True
    return (
        task.assignee == actor.username
        or bool(set(task.candidate_groups) & actor.groups)
        or actor.username in task.candidate_users
    )


def _me(me: str, name: str) -> str:
    return me if name == "me" else name


def _matches(actor, f: TaskFilter, task, now) -> bool:
    me = actor.username
    checks = [
        f.status is None or task.status == f.status,
        not f.assignee or task.assignee == _me(me, f.assignee),
        not f.candidate_group or f.candidate_group in task.candidate_groups,
        not f.candidate_user or _me(me, f.candidate_user) in task.candidate_users,
        f.unassigned is None or (task.assignee is None) == f.unassigned,
        not f.due_before or (task.due_at is not None and task.due_at < f.due_before),
        not f.name_like or f.name_like.lower() in task.name.lower(),
        f.min_priority is None or task.priority >= f.min_priority,
    ]
    if f.overdue is not None:
        late = task.status == "open" and task.due_at is not None and task.due_at < now
        checks.append(late == f.overdue)
    return all(checks)


def _expected(db, actor, f: TaskFilter, now) -> list:
    """The definition: every visible matching task, in the documented order (undated last)."""
    everything = db.session.execute(select(HumanTask)).scalars()
    rows = [t for t in everything if _sees(actor, t) and _matches(actor, f, t, now)]
    descending = f.sort_order == "desc"
    if f.sort_by == "due":
        dated = sorted((t for t in rows if t.due_at), key=lambda t: (t.due_at, t.id), reverse=descending)
        undated = sorted((t for t in rows if not t.due_at), key=lambda t: t.id, reverse=descending)
        return [t.id for t in dated + undated]
    column = {"created": "created_at", "priority": "priority"}[f.sort_by]
    return [t.id for t in sorted(rows, key=lambda t: (getattr(t, column), t.id), reverse=descending)]


def _page_walk(db, actor, **filters) -> tuple[list, set]:
    ids, totals, page = [], set(), 1
    while True:
        found = search(actor, TaskFilter(per_page=6, page=page, **filters))
        db.session.rollback()
        ids += [row[0].id for row in found.rows]
        totals.add((found.total, found.total_capped))
        if found.next_cursor is None:
            return ids, totals
        page += 1


def _cursor_walk(db, actor, **filters) -> list:
    ids, after = [], None
    while True:
        found = search(actor, TaskFilter(per_page=6, after=after, **filters))
        db.session.rollback()
        ids += [row[0].id for row in found.rows]
        if found.next_cursor is None:
            return ids
        after = found.next_cursor


FILTERS = [
    {},
    {"unassigned": True},
    {"unassigned": False},
    {"assignee": "me"},
    {"assignee": "loner"},
    {"candidate_group": "g1"},
    {"candidate_group": "g3"},  # not one of my groups: only where I see the task otherwise
    {"candidate_user": "me"},
    {"candidate_user": "loner"},
    {"status": "completed"},
    {"status": None},
    {"overdue": True},
    {"overdue": False},
    {"name_like": "taak 3", "min_priority": 50},
]
SORTS = [
    {"sort_by": "due", "sort_order": "asc"},
    {"sort_by": "due", "sort_order": "desc"},
    {"sort_by": "created", "sort_order": "asc"},
    {"sort_by": "priority", "sort_order": "desc"},
]


@pytest.mark.parametrize("actor", [ME, LONER, AUDITOR], ids=["me", "loner", "auditor"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "-")
def test_pages_and_total_equal_the_definition(tasks, clock, actor, filters):
    expected = _expected(tasks, actor, TaskFilter(**filters), clock.now)
    pages, totals = _page_walk(tasks, actor, **filters)
    assert pages == expected
    assert totals == {(len(expected), False)}
    assert _cursor_walk(tasks, actor, **filters) == expected


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: f"{s['sort_by']}-{s['sort_order']}")
@pytest.mark.parametrize("filters", ["none", "unassigned", "due_before"])
def test_every_sort_pages_and_cursors_like_the_definition(tasks, clock, sort, filters):
    filters = {
        "none": {},
        "unassigned": {"unassigned": True},
        "due_before": {"due_before": clock.now + timedelta(hours=12)},
    }[filters]
    expected = _expected(tasks, ME, TaskFilter(**sort, **filters), clock.now)
    assert len(expected) > 12  # several pages
    assert _page_walk(tasks, ME, **sort, **filters)[0] == expected
    assert _cursor_walk(tasks, ME, **sort, **filters) == expected


def test_undated_tasks_come_last_both_ways(tasks, clock):
    for order in ("asc", "desc"):
        found = search(ME, TaskFilter(per_page=200, sort_order=order))
        dues = [row[0].due_at for row in found.rows]
        undated = dues.index(None)
        assert 0 < undated < len(dues) and set(dues[undated:]) == {None}
        assert dues[:undated] == sorted(dues[:undated], reverse=order == "desc")


def test_total_is_capped_and_says_so(tasks, clock, monkeypatch):
    expected = len(_expected(tasks, ME, TaskFilter(), clock.now))
    assert expected > 5
    monkeypatch.setattr(task_queries, "COUNT_CAP", 5)
    found = search(ME, TaskFilter(per_page=2))
    assert (found.total, found.total_capped) == (5, True)
    assigned = len(_expected(tasks, ME, TaskFilter(assignee="me"), clock.now))
    monkeypatch.setattr(task_queries, "COUNT_CAP", assigned)
    found = search(ME, TaskFilter(assignee="me"))
    assert (found.total, found.total_capped) == (assigned, False)  # exactly the cap: not capped
    monkeypatch.setattr(task_queries, "COUNT_CAP", assigned - 1)
    assert search(ME, TaskFilter(assignee="me")).total_capped is True


def _statements_of(db, call) -> list[tuple[str, object]]:
    """The (statement, parameters) that `call()` sends."""
    seen = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("second_page", [False, True], ids=["first", "after"])
@pytest.mark.parametrize("unassigned", [None, True], ids=["all", "unassigned"])
def test_page_query_walks_the_branch_indexes_in_order(tasks, order, second_page, unassigned):
    """Each branch of the page reads its partial index in page order: no sort of a whole branch."""
    f = {"per_page": 5, "sort_order": order, "unassigned": unassigned}
    after = search(ME, TaskFilter(**f)).next_cursor if second_page else None
    sent = _statements_of(tasks, lambda: search(ME, TaskFilter(**f, after=after)))
    tasks.session.rollback()
    [(page, parameters)] = [(s, p) for s, p in sent if "sees_case" in s]
    raw = tasks.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if tasks.engine.dialect.name == "postgresql":
            # Tiny tables: make PostgreSQL show the plan it would choose for big ones.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + page, parameters)
            plan = [row[0] for row in cursor.fetchall()]
            # The branches are the children of the (Merge) Append; a Sort below it sorts a
            # branch. Sorting what the branches found (above the Append) is cheap and fine.
            [append] = [line for line in plan if re.match(r"\s*(->\s*)?(Merge )?Append", line)]
            depth = len(append) - len(append.lstrip(" ->"))
            branch_sorts = [
                line for line in plan
                if "Sort  (" in line and len(line) - len(line.lstrip(" ->")) > depth
            ]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + page, parameters)
            plan = [str(row[-1]) for row in cursor.fetchall()]
            # In SQLite's plan each branch is a CO-ROUTINE anon_N ... SCAN anon_N block. (A temp
            # b-tree FOR DISTINCT there is fine: it streams, remembering the ids it has passed.)
            inside, branch_sorts = False, []
            for line in plan:
                inside = line.startswith("CO-ROUTINE anon_") or (inside and not line.startswith("SCAN anon_"))
                if inside and "TEMP B-TREE FOR ORDER BY" in line:
                    branch_sorts.append(line)
        raw.rollback()
    finally:
        raw.close()
    text_plan = "\n".join(plan)
    if unassigned:  # the teams tab: no assignee branch, and claimed tasks are not in the index
        expected = ("ix_task_candidates_unassigned_group_due", "ix_task_candidates_open_user_due")
    else:
        expected = ("ix_task_candidates_open_group_due", "ix_task_candidates_open_user_due",
                    "ix_human_tasks_open_assignee_due")
    for index in expected:
        assert index in text_plan, text_plan
    assert not branch_sorts, text_plan


def _cursor(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "after"),
    [
        ("due", "not-a-cursor"),
        ("due", "%%%"),
        ("due", _cursor("due", "asc", "gisteren", str(uuid.uuid4()))),
        ("due", _cursor("due", "asc", "2026-03-02T09:00:00", str(uuid.uuid4()))),  # no zone
        ("due", _cursor("due", "asc", "0001-01-01T00:00:00+05:00", str(uuid.uuid4()))),  # before year 1
        ("due", _cursor("due", "asc", 5, str(uuid.uuid4()))),
        ("due", _cursor("due", "asc", None, "no-uuid")),
        ("due", _cursor("due", "asc")),
        ("due", base64.urlsafe_b64encode(b'{"a": 1}').decode()),
        ("due", base64.urlsafe_b64encode(b"\xff\xfe").decode()),
        ("due", _cursor("created", "asc", "2026-03-02T09:00:00+00:00", str(uuid.uuid4()))),  # other sort
        ("priority", _cursor("priority", "asc", 10**30, str(uuid.uuid4()))),  # beyond the column
        ("priority", _cursor("priority", "asc", True, str(uuid.uuid4()))),
    ],
)
def test_a_bad_cursor_is_422_naming_after(world, sort, after):
    body = assert_problem(world.client("anna").get(f"/api/v1/tasks?sortBy={sort}&after={after}"), 422)
    assert "after" in body["errors"], body


def test_api_pages_by_cursor_and_reports_the_capped_total(world, monkeypatch):
    for n in range(4):
        world.start(display_name=f"Bewoner {n}")
    anna = world.client("ruben")  # two groups: several branches
    first = anna.get("/api/v1/tasks?perPage=3").json
    assert first["total"] == 4 and first["totalCapped"] is False and first["nextCursor"]
    second = anna.get("/api/v1/tasks?perPage=3&after=" + first["nextCursor"]).json
    assert len(second["items"]) == 1 and second["nextCursor"] is None
    by_page = anna.get("/api/v1/tasks?perPage=3&page=2").json
    assert [t["id"] for t in second["items"]] == [t["id"] for t in by_page["items"]]
    both = anna.get("/api/v1/tasks?perPage=3&page=2&after=" + first["nextCursor"])
    assert "after" in assert_problem(both, 422)["errors"]
    monkeypatch.setattr(task_queries, "COUNT_CAP", 2)
    capped = anna.get("/api/v1/tasks?perPage=3").json
    assert capped["total"] == 2 and capped["totalCapped"] is True and len(capped["items"]) == 3


def test_listing_for_a_professional_uses_a_fixed_number_of_queries(world, db):
    ruben = world.client("ruben")  # two groups: four branches

    def listing() -> tuple[int, int]:
        responses = []
        sent = _statements_of(db, lambda: responses.append(ruben.get("/api/v1/tasks?perPage=200")))
        return responses[0].json["total"], len(sent)

    world.start(display_name="Bewoner 0")
    listing()  # warm-up: the caller's token and the audit chain's head exist now
    few_total, few = listing()
    for n in range(1, 6):
        world.start(display_name=f"Bewoner {n}")
    many_total, many = listing()
    assert (few_total, many_total) == (1, 6)
    assert many == few, (few, many)


def test_filters_keep_sql_injection_out_of_the_inlined_status(tasks):
    # The status is inlined into the SQL (for the partial indexes); it must stay a quoted literal.
    found = search(AUDITOR, TaskFilter(status="open' OR '1'='1"))
    assert found.rows == [] and found.total == 0
    assert tasks.session.execute(text("SELECT count(*) FROM human_tasks")).scalar_one() == 80
