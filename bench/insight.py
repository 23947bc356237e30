"""Pathway insight at scale: a year of a large region (100k residents, ~1M history rows).

1. Templates: residents walked through the real pathways by the real engine on a throw-away
   PostgreSQL database (`tests/insight/region.py`: every route, the FACT board, referrals,
   handovers, aftercare, relapses, crises, late and stalled steps): a set of full journeys and
   a set stopped early (a report, a first contact).
2. The region: the templates' cases, instances, human tasks and history rows copied in SQL with
   fresh ids, each copy shifted to its own moment of the year, until there are the asked number
   of residents and about the asked number of history rows. ANALYZE.
3. The worker's rollup over all of it (timed: rows per second), then an incremental refresh
   after one more day of activity (timed: it reads only what is new).
4. Every insight page (web, logged in) and API call answered in process through the WSGI app
   (Flask test client: the whole request, authentication, scope, queries, the audit line):
   median and p95 over n requests, beside the baseline of the same run: a plain aggregate query
   over the same history (`SELECT kind, count(*) FROM history_events WHERE at >= … GROUP BY kind`),
   and, for information, the norm figure computed straight from the history (what a request
   would pay without the rollup).

    python bench/insight.py [--residents 100000] [--history 1000000] [--n 10]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZORGPAD_LOG_LEVEL", "WARNING")

from bench.pgdb import make_app, throwaway_database  # noqa: E402
from bench.tables import print_table  # noqa: E402

TARGET_SECONDS = 1.0
TEMPLATE_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday; copies move into the last year

# Copies of one template set: ids derived from the template's (md5 of id and copy number), times
# shifted by the copy's offset (whole days: working-day norms keep their weekdays' pattern).
COPY_SQL = """
CREATE TEMP TABLE copies AS
SELECT c.id AS case_id, g AS copy,
       make_interval(days => %(base_days)s::int
                     + (abs(hashtext(c.id::text || '/' || g)) %% %(spread_days)s::int)) AS shift
FROM cases c JOIN template_cases t ON t.case_id = c.id AND t.kind = %(kind)s
CROSS JOIN generate_series(%(first)s::int, %(last)s::int) AS g;

INSERT INTO cases (id, pseudonym, display_name, network, municipality, wijk, created_at)
SELECT md5(c.id::text || '/' || k.copy)::uuid, 'B-' || left(md5(c.id::text || '/' || k.copy), 14),
       'Bewoner', c.network, c.municipality, c.wijk, c.created_at + k.shift
FROM cases c JOIN copies k ON k.case_id = c.id;

INSERT INTO process_instances (id, definition_id, process_key, case_id, business_key, status, state,
                               version, next_timer_at, started_by, started_at, ended_at)
SELECT md5(p.id::text || '/' || k.copy)::uuid, p.definition_id, p.process_key,
       md5(p.case_id::text || '/' || k.copy)::uuid, NULL, p.status, '{}'::json, 1, NULL, p.started_by,
       p.started_at + k.shift, p.ended_at + k.shift
FROM process_instances p JOIN copies k ON k.case_id = p.case_id;

INSERT INTO human_tasks (id, instance_id, case_id, process_key, element_id, name, lane, candidate_groups,
                         candidate_users, assignee, status, due_at, priority, form_key, created_at,
                         claimed_at, completed_at, completed_by, data, version)
SELECT md5(h.id::text || '/' || k.copy)::uuid, md5(h.instance_id::text || '/' || k.copy)::uuid,
       md5(h.case_id::text || '/' || k.copy)::uuid, h.process_key, h.element_id, h.name, h.lane,
       h.candidate_groups, h.candidate_users, h.assignee, h.status, h.due_at + k.shift, h.priority,
       h.form_key, h.created_at + k.shift, h.claimed_at + k.shift, h.completed_at + k.shift,
       h.completed_by, h.data, 1
FROM human_tasks h JOIN copies k ON k.case_id = h.case_id;

INSERT INTO history_events (instance_id, case_id, at, kind, element_id, element_name, element_type,
                            task_id, actor, data)
SELECT md5(e.instance_id::text || '/' || k.copy)::uuid, md5(e.case_id::text || '/' || k.copy)::uuid,
       e.at + k.shift, e.kind, e.element_id, e.element_name, e.element_type,
       md5(e.task_id::text || '/' || k.copy)::uuid, e.actor, e.data
FROM history_events e JOIN copies k ON k.case_id = e.case_id
ORDER BY e.at + k.shift, e.id;

DROP TABLE copies;
"""

BASELINE_SQL = "SELECT kind, count(*) FROM history_events WHERE at >= :since GROUP BY kind"

# The first-contact norm straight from the history, for information: what a request would do
# without the rollup (pair every creation with its completion, then aggregate).
DIRECT_SQL = """
SELECT count(*), count(d.at), percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.at - c.at))
FROM history_events c
LEFT JOIN history_events d ON d.task_id = c.task_id AND d.kind = 'task_completed'
WHERE c.kind = 'task_created' AND c.element_id = 'ut_eerste_contact' AND c.at >= :since
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- 1. templates ---------------------------------------------------------------------------------------
def make_templates(flask_app, full: int, early: int) -> dict:
    from sqlalchemy import text

    from app.engine.clock import using_clock
    from app.extensions import db
    from app.services.access import demo
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy, read_directory
    from tests.conftest import MovableClock
    from tests.insight.region import Region

    clock = MovableClock(TEMPLATE_START)
    with flask_app.app_context(), using_clock(clock):
        deploy(read_directory(ROOT / "processes", ROOT / "forms"), actor=SYSTEM, name="bench", source="cli")
        demo.seed()
        db.session.execute(text("CREATE TABLE template_cases (case_id uuid PRIMARY KEY, kind text)"))
        db.session.commit()
        counts = {}
        for kind, residents, days, until in (("full", full, 30, 200), ("early", early, 20, 21)):
            before = set(db.session.execute(text("SELECT id FROM cases")).scalars())
            started = time.perf_counter()
            Region(clock, seed=len(before) + 1).run(
                residents=residents, spread_days=days, until=clock.now + timedelta(days=until)
            )
            new = [c for c in db.session.execute(text("SELECT id FROM cases")).scalars() if c not in before]
            db.session.execute(
                text("INSERT INTO template_cases (case_id, kind) VALUES (:c, :k)"),
                [{"c": c, "k": kind} for c in new],
            )
            rows = db.session.execute(
                text("SELECT count(*) FROM history_events WHERE case_id = ANY(:ids)"), {"ids": new}
            ).scalar_one()
            db.session.commit()
            counts[kind] = {"residents": len(new), "history": rows}
            took = time.perf_counter() - started
            log(f"template '{kind}': {len(new)} residents, {rows} history rows ({took:.0f} s)")
    return counts


# -- 2. the region ---------------------------------------------------------------------------------------
def plan(counts: dict, residents: int, history: int) -> dict:
    """Copies of each template set for about `history` history rows, half of them from full
    journeys and half from journeys stopped early; the residents the copies do not reach are
    quiet cases (known to the network, no pathway this year)."""
    full, early = counts["full"], counts["early"]
    copies = {
        "full": max(1, round(history / 2 / full["history"])),
        "early": max(1, round(history / 2 / early["history"])),
    }
    active = copies["full"] * full["residents"] + copies["early"] * early["residents"]
    copies["quiet"] = max(0, residents - active - full["residents"] - early["residents"])
    return copies


QUIET_SQL = """
INSERT INTO cases (id, pseudonym, display_name, municipality, wijk, created_at)
SELECT md5('quiet/' || g)::uuid, 'Q-' || left(md5('quiet/' || g), 14), 'Bewoner',
       (ARRAY['Noorddam', 'Zuidveen'])[1 + g %% 2], (ARRAY['Centrum', 'Oost', 'Haven', 'Dorp'])[1 + g %% 4],
       now() - interval '2 years'
FROM generate_series(1, %(n)s::int) AS g
"""


def _copy(conn, params: dict) -> None:
    for statement in COPY_SQL.split(";\n"):
        if statement.strip():
            conn.execute(statement, params)


def load_region(dsn: str, copies: dict) -> None:
    import psycopg

    now = datetime.now(UTC)
    year_ago_days = (now - timedelta(days=365) - TEMPLATE_START).days
    with psycopg.connect(dsn, autocommit=False) as conn:
        first = 1
        for kind, spread in (("full", 165), ("early", 340)):
            last = first + copies[kind] - 1
            step = 50
            for chunk in range(first, last + 1, step):
                _copy(
                    conn,
                    {"kind": kind, "first": chunk, "last": min(last, chunk + step - 1),
                     "base_days": year_ago_days, "spread_days": spread},
                )  # fmt: skip
                conn.commit()
            log(f"copied '{kind}' x{copies[kind]}")
            first = last + 1
        if copies.get("quiet"):
            conn.execute(QUIET_SQL, {"n": copies["quiet"]})
            conn.commit()
            log(f"quiet cases: {copies['quiet']}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ("history_events", "human_tasks", "process_instances", "cases"):
            conn.execute(f"VACUUM ANALYZE {table}")


# -- 3. the rollup -------------------------------------------------------------------------------------
def roll_up(flask_app) -> tuple[int, float]:
    from app.services.insight import rollup

    with flask_app.app_context():
        started = time.perf_counter()
        applied = rollup.refresh(grace=timedelta(0))
        return applied, time.perf_counter() - started


def analyze_facts(dsn: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in ("insight_instances", "insight_tasks", "insight_norm_cases", "insight_passages"):
            conn.execute(f"VACUUM ANALYZE {table}")


# -- 4. the pages ----------------------------------------------------------------------------------------
def login(flask_app, username: str):
    import re

    client = flask_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": "zorgpad-demo", "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def api_client(flask_app, username: str):
    from app.services.access import identity

    with flask_app.app_context():
        token = identity.issue_token(username)
    client = flask_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def time_get(client, path: str, n: int) -> list[float]:
    samples = []
    for i in range(n + 2):
        if i == 2:
            gc.collect()
        started = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, body[:300])
        if i >= 2:
            samples.append(elapsed)
    return samples


def time_sql(flask_app, sql: str, n: int, since) -> list[float]:
    from sqlalchemy import text

    from app.extensions import db

    samples = []
    with flask_app.app_context():
        for i in range(n + 2):
            started = time.perf_counter()
            db.session.execute(text(sql), {"since": since}).all()
            if i >= 2:
                samples.append(time.perf_counter() - started)
            db.session.rollback()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--full-templates", type=int, default=64)
    parser.add_argument("--early-templates", type=int, default=48)
    args = parser.parse_args()
    from werkzeug.security import generate_password_hash

    from app.services.access import identity

    identity.generate_password_hash = lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1")
    with throwaway_database("zorgpad_bench_insight") as url:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        flask_app = make_app(url)
        counts = make_templates(flask_app, args.full_templates, args.early_templates)
        copies = plan(counts, args.residents, args.history)
        started = time.perf_counter()
        load_region(dsn, copies)
        import psycopg

        with psycopg.connect(dsn) as conn:
            residents, history = conn.execute(
                "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM history_events)"
            ).fetchone()
        log(f"region: {residents} residents, {history} history rows ({time.perf_counter() - started:.0f} s)")

        applied, seconds = roll_up(flask_app)
        log(f"rollup: {applied} rows in {seconds:.0f} s ({applied / seconds:.0f} rows/s)")
        analyze_facts(dsn)
        # One more day of activity: a copy of a few early templates, then the incremental refresh.
        with psycopg.connect(dsn, autocommit=True) as conn:
            _copy(
                conn,
                {"kind": "early", "first": 10_000, "last": 10_000, "spread_days": 1,
                 "base_days": (datetime.now(UTC) - timedelta(days=2) - TEMPLATE_START).days},
            )  # fmt: skip
            new_rows = conn.execute("SELECT count(*) FROM history_events").fetchone()[0] - history
        incremental, inc_seconds = roll_up(flask_app)
        log(f"incremental rollup: {incremental} new rows ({new_rows} added) in {inc_seconds * 1000:.0f} ms")

        with psycopg.connect(dsn) as conn:
            facts = conn.execute(
                "SELECT (SELECT count(*) FROM insight_norm_cases), (SELECT count(*) FROM insight_tasks), "
                "(SELECT count(*) FROM insight_instances), (SELECT count(*) FROM insight_passages)"
            ).fetchone()
        log(f"facts: {facts[0]} measurements, {facts[1]} tasks, {facts[2]} instances, {facts[3]} passages")

        since = datetime.now(UTC) - timedelta(days=365)
        n = args.n
        rows = [
            ("baseline: plain aggregate over the history", time_sql(flask_app, BASELINE_SQL, n, since)),
            (
                "info: first-contact norm from the raw history",
                time_sql(flask_app, DIRECT_SQL, max(3, n // 3), since),
            ),
        ]
        api = {user: api_client(flask_app, user) for user in ("olaf", "vera", "fatima", "ruben")}
        web = {user: login(flask_app, user) for user in ("olaf", "vera")}
        pages = [
            ("api: compliance, per norm (olaf)", api["olaf"], "/api/v1/insight/compliance"),
            ("api: compliance per week", api["olaf"], "/api/v1/insight/compliance?by=week"),
            ("api: compliance per month", api["olaf"], "/api/v1/insight/compliance?by=month"),
            ("api: compliance per wijk (insurer, k=5)", api["vera"], "/api/v1/insight/compliance?by=wijk"),
            ("api: compliance per organisation", api["olaf"], "/api/v1/insight/compliance?by=organisation"),
            ("api: compliance, own team (fatima)", api["fatima"], "/api/v1/insight/compliance?by=team"),
            ("api: durations, triage", api["olaf"], "/api/v1/insight/durations?processKey=triage"),
            ("api: durations, opschalen", api["olaf"], "/api/v1/insight/durations?processKey=opschalen"),
            ("api: routes, triage", api["olaf"], "/api/v1/insight/routes?processKey=triage"),
            ("api: routes, opschalen (insurer)", api["vera"], "/api/v1/insight/routes?processKey=opschalen"),
            ("api: learning session (ruben)", api["ruben"], "/api/v1/insight/learning"),
            ("api: norms", api["olaf"], "/api/v1/insight/norms"),
            ("web: /insight", web["olaf"], "/insight"),
            ("web: /insight per wijk (insurer)", web["vera"], "/insight?by=wijk"),
            ("web: a norm (6 breakdowns)", web["olaf"], "/insight/norms/eerste-contact"),
            ("web: durations on the diagram", web["olaf"], "/insight/durations?process=triage"),
            ("web: routes and variants", web["olaf"], "/insight/routes?process=opschalen"),
            ("web: CSV of a table", web["olaf"], "/insight/overview/compliance.csv"),
        ]
        with flask_app.app_context():
            for name, client, path in pages:
                rows.append((name, time_get(client, path, n)))
        print_table(
            f"insight at scale: {residents:,} residents, {history:,} history rows (PostgreSQL); "
            "ratio vs a plain aggregate over the same history",
            rows,
            baseline="baseline: plain aggregate over the history",
        )
        worst = max(statistics.median(samples) for name, samples in rows[2:])
        print(
            f"\nslowest insight page/API median: {worst * 1000:.0f} ms "
            f"(target <= {TARGET_SECONDS * 1000:.0f} ms) " + ("OK" if worst <= TARGET_SECONDS else "MISSED")
        )
        print(f"rollup of the year: {applied:,} rows in {seconds:.0f} s; one more day: {incremental} rows in "
              f"{inc_seconds * 1000:.0f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
