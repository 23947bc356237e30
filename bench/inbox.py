"""The inbox at scale: first page (50) of "my groups' open tasks, by due date".

Bulk-loads open human tasks (and their task_candidates rows) into the service's schema on a
throw-away PostgreSQL database in steps (default 10k, 100k, 1M open tasks), ANALYZEs, and
times the real service function `app.services.tasks.queries.search` (the page query, its
COUNT and its NEN 7513 audit line; rolled back after each call) for an Actor with two of the
13 groups. Prints median/p95 per size and the ratio to the smallest size (target: p95 at 1M
<= 2x p95 at 10k).

Rows are generated server-side (INSERT ... SELECT FROM generate_series): tasks spread over 13
groups (skewed: a few big teams), 1-2 candidate groups per task, ~20% assigned, ~10% with a
candidate user, due dates spread over +-60 days (5% none), two open tasks per instance, one
case per instance; plus as many completed tasks as open ones (history).

It also times other queries of the same inbox at each size (the web inbox's teams and mine
tabs, latest due first, page 21 by `page` and by cursor, one resident by business key, an
auditor's view) for information.

    python bench/inbox.py [--sizes 10000,100000,1000000] [--n 20] [--explain]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZORGPAD_LOG_LEVEL", "WARNING")

from bench.pgdb import make_app, throwaway_database  # noqa: E402
from bench.tables import print_table, summary  # noqa: E402

GROUPS = [
    "wijkteam-triage", "wijkteam-regie", "peer-expert", "ggd-meldpunt", "ggz-fact", "ggz-crisis",
    "verslavingszorg", "begeleiding", "gemeente-wmo", "gemeente-wvggz", "verzekeraar", "reporter",
    "ggz-ambulant",
]
ME = ("ruben", frozenset({"wijkteam-regie", "ggz-fact"}))
TARGET = 2.0

# Skewed spread: group index = floor(13 * r^1.6) puts more tasks in the first groups.
LOAD_SQL = """
WITH n AS (
    SELECT g AS i, gen_random_uuid() AS task_id, random() AS r1, random() AS r2, random() AS r3
    FROM generate_series(%(start)s, %(stop)s - 1) AS g
), inst AS (
    INSERT INTO process_instances
        (id, definition_id, process_key, case_id, business_key, status, state, version,
         started_by, started_at)
    SELECT md5('inst' || (i / 2))::uuid, %(definition)s, 'two_step', md5('case' || (i / 2))::uuid,
           'bk-' || (i / 2), 'running', '{}'::json, 1, 'anna', now() - interval '30 days'
    FROM n WHERE i %% 2 = 0
    RETURNING case_id
), cases_ AS (
    INSERT INTO cases (id, pseudonym, display_name, created_at)
    SELECT case_id, 'ps-' || md5(case_id::text), 'Bewoner', now() FROM inst
), tasks AS (
    INSERT INTO human_tasks
        (id, instance_id, case_id, process_key, element_id, name, lane, candidate_groups,
         candidate_users, assignee, status, due_at, priority, created_at, version)
    SELECT task_id, md5('inst' || (i / 2))::uuid, md5('case' || (i / 2))::uuid, 'two_step',
           'task_' || (i %% 7), 'Stap ' || (i %% 7), (%(groups)s::text[])[1 + floor(13 * r1 ^ 1.6)::int],
           jsonb_build_array((%(groups)s::text[])[1 + floor(13 * r1 ^ 1.6)::int]),
           CASE WHEN r3 < 0.1 THEN jsonb_build_array('user' || (i %% 300)) ELSE '[]'::jsonb END,
           CASE WHEN r2 < 0.2 THEN 'user' || (i %% 300) END,
           %(status)s,
           CASE WHEN r3 > 0.95 THEN NULL ELSE now() + (r2 * 120 - 60) * interval '1 day' END,
           (i %% 4) * 25, now() - r3 * interval '60 days', 1
    FROM n
    RETURNING id, candidate_groups
)
SELECT count(*) FROM tasks
"""

# Candidate rows carry their task's status, due date and assignee, as the service's mirror
# keeps them.
CANDIDATES_SQL = """
INSERT INTO task_candidates (task_id, group_name, user_name, task_status, due_at, task_assignee)
SELECT t.id, t.lane, NULL, t.status, t.due_at, t.assignee FROM human_tasks t WHERE t.version = 1
UNION ALL
SELECT t.id, (%(groups)s::text[])[1 + (abs(hashtext(t.id::text)) %% 13)], NULL, t.status, t.due_at,
       t.assignee
FROM human_tasks t WHERE t.version = 1 AND abs(hashtext(t.id::text)) %% 3 = 0
UNION ALL
SELECT t.id, NULL, t.candidate_users->>0, t.status, t.due_at, t.assignee FROM human_tasks t
WHERE t.version = 1 AND jsonb_array_length(t.candidate_users) > 0
"""


def definition_id(conn) -> str:
    return conn.execute("SELECT id FROM process_definitions WHERE key = 'two_step'").fetchone()[0]


def load(dsn: str, start: int, stop: int) -> None:
    """Open tasks [start, stop) plus as many completed ones; version=1 marks rows to give candidates."""
    import psycopg

    with psycopg.connect(dsn, autocommit=False) as conn:
        definition = definition_id(conn)
        for status, offset in (("open", 0), ("completed", 10**9)):
            conn.execute(LOAD_SQL, {"start": start + offset, "stop": stop + offset, "definition": definition,
                                    "groups": GROUPS, "status": status})
        conn.execute(CANDIDATES_SQL, {"groups": GROUPS})
        conn.execute("UPDATE human_tasks SET version = 2 WHERE version = 1")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE human_tasks")
        conn.execute("VACUUM ANALYZE task_candidates")
        conn.execute("VACUUM ANALYZE process_instances")
        conn.execute("VACUUM ANALYZE cases")


def _actor(name: str, groups=frozenset(), roles=frozenset({"professional"})):
    from app.services.access.actors import Actor

    return Actor(name, groups=groups, roles=roles)


def time_search(flask_app, n: int, actor=None, make_filter=None, check=True) -> list[float]:
    """Seconds per search (after 5 warm-ups); by default ME's first page by due date."""
    from app.extensions import db
    from app.services.tasks.queries import TaskFilter, search

    actor = actor or _actor(ME[0], ME[1])
    make_filter = make_filter or (lambda: TaskFilter(status="open", sort_by="due", per_page=50))
    samples = []
    with flask_app.app_context():
        for i in range(n + 5):
            if i == 5:
                # Start every size from the same collector state: a full collection (~100 ms
                # early in the process) otherwise lands in whichever size happens to be first.
                gc.collect()
            f = make_filter()
            started = time.perf_counter()
            found = search(actor, f)
            elapsed = time.perf_counter() - started
            assert not check or (len(found.rows) == 50 and found.total > 50)
            db.session.rollback()
            if i >= 5:  # warm-up
                samples.append(elapsed)
        db.session.remove()
    return samples


def cursor_at(flask_app, depth: int) -> str:
    """The `after` cursor past the first `depth` rows of ME's inbox (walked page by page)."""
    from app.extensions import db
    from app.services.tasks.queries import TaskFilter, search

    after = None
    with flask_app.app_context():
        for _ in range(depth // 50):
            after = search(_actor(ME[0], ME[1]), TaskFilter(per_page=50, after=after)).next_cursor
            db.session.rollback()
        by_page = search(_actor(ME[0], ME[1]), TaskFilter(per_page=50, page=depth // 50 + 1)).rows
        by_cursor = search(_actor(ME[0], ME[1]), TaskFilter(per_page=50, after=after)).rows
        assert [r[0].id for r in by_page] == [r[0].id for r in by_cursor], "cursor and page differ"
        db.session.rollback()
        db.session.remove()
    return after


def variants(flask_app, n: int) -> dict[str, list[float]]:
    """Other inbox queries at this size (information; the target is on the first page)."""
    from app.services.tasks.queries import TaskFilter

    deep = cursor_at(flask_app, 1000)
    cases = {
        "teams tab (unassigned)": (None, lambda: TaskFilter(unassigned=True)),
        "latest due first": (None, lambda: TaskFilter(sort_order="desc")),
        "page 21 by page=21": (None, lambda: TaskFilter(page=21)),
        "page 21 by cursor": (None, lambda: TaskFilter(after=deep)),
        "mine tab (assignee=me)": (_actor("user7"), lambda: TaskFilter(assignee="me")),
        "one resident (businessKey)": (None, lambda: TaskFilter(business_key="bk-4242")),
        "auditor, all open tasks": (_actor("audrey", roles=frozenset({"auditor"})), lambda: TaskFilter()),
    }
    return {name: time_search(flask_app, n, who, make, check=False) for name, (who, make) in cases.items()}


def explain(flask_app) -> None:
    """EXPLAIN ANALYZE of the page query and the COUNT, as the service sends them."""
    from sqlalchemy import text

    from app.extensions import db
    from app.services.access.actors import Actor
    from app.services.tasks.queries import TaskFilter, search

    actor = Actor(ME[0], groups=ME[1], roles=frozenset({"professional"}))
    statements = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    with flask_app.app_context():
        event.listen(db.engine, "before_cursor_execute", capture)
        search(actor, TaskFilter(status="open", sort_by="due", per_page=50))
        db.session.rollback()
        event.remove(db.engine, "before_cursor_execute", capture)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, parameters in statements:
                if "human_tasks" not in statement:
                    continue
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                print("\n" + "\n".join(row[0] for row in cur.fetchall()))
            raw.rollback()
        finally:
            raw.close()
        db.session.remove()
    _ = text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE at the largest size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[tuple[str, list[float]]] = []
    others: dict[str, list[tuple[str, list[float]]]] = {}
    with throwaway_database("zorgpad_inbox") as url:
        from app.extensions import db
        from app.services.access.actors import SYSTEM
        from app.services.definitions.deployments import deploy

        flask_app = make_app(url)
        fixtures = ROOT / "tests" / "fixtures"
        with flask_app.app_context():
            deploy({n: (fixtures / n).read_bytes() for n in ("two_step.bpmn", "stap-a.schema.json")},
                   actor=SYSTEM, name="bench", source="cli")
            db.session.remove()
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        loaded = 0
        for size in sizes:
            started = time.perf_counter()
            load(dsn, loaded, size)
            loaded = size
            print(f"loaded {size:,} open tasks (+ as many completed) in {time.perf_counter() - started:.1f}s",
                  flush=True)
            rows.append((f"inbox first page, {size:,} open tasks", time_search(flask_app, args.n)))
            for name, samples in variants(flask_app, args.n).items():
                others.setdefault(name, []).append((f"{name}, {size // 1000:,}k", samples))
        if args.explain:
            explain(flask_app)
        with flask_app.app_context():
            db.engine.dispose()
    print_table("inbox: first page (50) of my 2 groups' open tasks by due date (task_queries.search)",
                rows, baseline=rows[0][0])
    base_p95 = summary(rows[0][1])[1]
    last_name, last = rows[-1]
    ratio = summary(last)[1] / base_p95
    print(f"\np95 at {sizes[-1]:,} / p95 at {sizes[0]:,}: {ratio:.2f}x (target <= {TARGET}x) "
          f"{'OK' if ratio <= TARGET else 'MISS'}")
    print_table("inbox: other queries of the same inbox (ratio: median against the smallest size)",
                [row for cases in others.values() for row in cases])
    for name, cases in others.items():
        first, last = summary(cases[0][1]), summary(cases[-1][1])
        print(f"{name:<32} p95 {sizes[-1]:,} / {sizes[0]:,}: {last[1] / first[1]:5.2f}x   "
              f"median: {last[0] / first[0]:5.2f}x")


if __name__ == "__main__":
    main()
