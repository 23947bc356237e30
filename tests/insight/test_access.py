"""Who sees what: everything aggregated for process owners and coordinators, a team its own
figures, the insurer aggregates with small cells as "< k" and never a case; every view is one
aggregate read in the NEN 7513 log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Case, HumanTask, InsightNormCase
from tests.insight.region import Region
from tests.support import flagged_case_meeting

COUNT_KEYS = {
    "measured", "residents", "stopped", "met", "decided", "open", "atRisk", "overdue", "created",
    "completed", "count", "total", "scaleUps", "cycles", "relapses", "stints", "ended", "onBoard",
}  # fmt: skip
VIEWS = ("compliance", "durations", "routes")


@pytest.fixture
def region(insight, pathways, db, clock):
    start = clock.now
    Region(clock, seed=5).run(residents=10, spread_days=10, until=start + timedelta(days=150))
    insight.refresh()
    return {"since": start.date().isoformat(), "until": clock.now.date().isoformat()}


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}") if isinstance(item, dict | list) else [(key, item, path)]
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _walk(item, f"{path}[{n}]")


def _identifiers(db) -> set[str]:
    cases = db.session.execute(select(Case.id, Case.pseudonym, Case.display_name)).all()
    return {str(c.id) for c in cases} | {c.pseudonym for c in cases} | {c.display_name for c in cases}


def test_the_insurer_sees_no_cell_under_k_and_no_case(insight, region, db):
    secrets = _identifiers(db)
    for view in VIEWS:
        for by in ("total", "week", "wijk") if view == "compliance" else ("total",):
            answer = insight.get("vera", f"/api/v1/insight/{view}", by=by, **region)
            assert answer["scope"] == {"kind": "insurer", "teams": [], "minCell": 5}
            text = str(answer)
            assert not [s for s in secrets if s in text], view
            shown_small = 0
            for key, value, where in _walk(answer):
                if key in COUNT_KEYS and not isinstance(value, bool) and not where.startswith("/measures"):
                    assert value == "< 5" or (isinstance(value, int) and value >= 5), (
                        view,
                        where,
                        key,
                        value,
                    )
                    shown_small += value == "< 5"
            assert shown_small > 0, view  # a small region: some cells are small
    # A cell under k shows no figure computed from it.
    cells = insight.get("vera", "/api/v1/insight/compliance", by="wijk", **region)["cells"]
    for cell in cells:
        if cell["residents"] == "< 5":
            assert cell["shareMet"] is None and cell["medianSeconds"] is None and cell["suppressed"] is True
    board = insight.get("vera", "/api/v1/insight/routes", **region)["factBoard"]
    assert board["longestOpenDays"] is None
    # Never the case-level lists, never per team.
    assert insight.client("vera").get("/api/v1/insight/learning").status_code == 403
    assert (
        insight.client("vera").get("/api/v1/insight/compliance", query_string={"by": "team"}).status_code
        == 403
    )


def test_k_is_configurable(insight, region, app):
    app.config["ZORGPAD_INSIGHT_MIN_CELL"] = 2
    try:
        answer = insight.get("vera", "/api/v1/insight/compliance", by="wijk", **region)
    finally:
        app.config["ZORGPAD_INSIGHT_MIN_CELL"] = 5
    assert answer["scope"]["minCell"] == 2
    values = [v for k, v, where in _walk(answer) if k in COUNT_KEYS and not where.startswith("/measures")]
    assert "< 2" in values and "< 5" not in values and any(isinstance(v, int) and 2 <= v < 5 for v in values)


def test_process_owners_and_coordinators_see_everything_a_team_its_own(insight, region, db):
    everything = insight.get("olaf", "/api/v1/insight/compliance", by="team", **region)
    assert (
        insight.get("nina", "/api/v1/insight/compliance", by="team", **region)["cells"] == everything["cells"]
    )
    assert {c["group"] for c in everything["cells"]} >= {"wijkteam-triage", "ggz-fact", "gemeente-wmo"}
    assert all(isinstance(c["measured"], int) for c in everything["cells"])
    # fatima (FACT team): only the measurements of steps in the ggz-fact lane.
    own = insight.get("fatima", "/api/v1/insight/compliance", by="team", **region)
    assert own["scope"] == {"kind": "team", "teams": ["ggz-fact"], "minCell": None}
    assert {c["group"] for c in own["cells"]} == {"ggz-fact"}
    fact_rows = (
        db.session.execute(
            select(InsightNormCase).where(
                InsightNormCase.team == "ggz-fact", InsightNormCase.cancelled_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    assert sum(c["measured"] for c in own["cells"]) == len(fact_rows) > 0
    steps = insight.get("fatima", "/api/v1/insight/durations", processKey="opschalen", **region)
    assert steps["steps"] and {s["lane"] for s in steps["steps"]} == {"ggz-fact"}
    assert steps["flows"] == []  # gateways belong to the pathway, not to a team


def test_who_may_not_see_the_figures(insight, region):
    for user in ("audrey", "huisartsensysteem"):
        response = insight.client(user).get("/api/v1/insight/compliance")
        assert response.status_code == 403 and response.mimetype == "application/problem+json", user


def test_every_view_is_one_aggregate_read_without_residents(insight, region, db):
    before = db.session.execute(select(AuditEvent.seq)).scalars().all()
    for view in VIEWS:
        insight.get("vera", f"/api/v1/insight/{view}", **region)
    db.session.expire_all()
    rows = (
        db.session.execute(select(AuditEvent).where(AuditEvent.seq.not_in(before)).order_by(AuditEvent.seq))
        .scalars()
        .all()
    )
    assert [(r.action, r.event_type, r.object_type, r.object_id) for r in rows] == [
        ("R", "insight.read", "Insight", view) for view in VIEWS
    ]
    assert all(r.case_id is None and r.case_pseudonym is None and r.user == "vera" for r in rows)
    assert rows[0].details["filters"]["since"] == region["since"] and rows[0].details["scope"] == "insurer"


def test_the_learning_session_lists_its_flagged_cases_for_its_participants(insight, region, db, clock):
    from app.services.access.actors import SYSTEM
    from app.services.instances import lifecycle, timers

    measured_case = db.session.execute(select(InsightNormCase.case_id).limit(1)).scalar_one()
    lifecycle.start_instance("leren", actor=SYSTEM)
    clock.advance(days=3)
    flagged_case_meeting(
        db, clock, db.session.get(Case, measured_case), True, "Wat werkte bij het eerste contact?"
    )
    clock.advance(days=11, seconds=1)
    timers.fire_due_timers()
    insight.refresh()
    flagged = (
        db.session.execute(
            select(HumanTask).where(
                HumanTask.element_id == "ut_casusoverleg", HumanTask.status == "completed"
            )
        )
        .scalars()
        .all()
    )
    recent = [
        t for t in flagged if t.data.get("leercasus") and t.completed_at > clock.now - timedelta(weeks=2)
    ]
    assert {t.case_id for t in recent} == {measured_case}
    answer = insight.get("ruben", "/api/v1/insight/learning")
    cases = [c for s in answer["sessions"] for c in s["cases"]]
    assert len(cases) == len({t.case_id for t in recent})
    text = str(answer)
    assert not [s for s in _identifiers(db) if s in text]
    assert all(c["label"].startswith("LC-") for c in cases)
    [case] = cases
    assert case["question"] == "Wat werkte bij het eerste contact?" and case["norms"]
    assert {n["norm"] for n in case["norms"]} >= {"eerste-contact"}
    # Not a participant (wim: municipality), or the insurer: no sessions, 403.
    assert insight.get("wim", "/api/v1/insight/learning")["sessions"] == []
    # Per-case metrics are per-resident reads: one line per case shown.
    db.session.expire_all()
    listed = (
        db.session.execute(select(AuditEvent).where(AuditEvent.event_type == "insight.learning.listed"))
        .scalars()
        .all()
    )
    assert {r.case_id for r in listed} == {t.case_id for t in recent}
