"""Process mining from our own exports: pm4py discovers triage in the right order, and the inbox's
tasks leave as FHIR R4 Task resources that fhir.resources accepts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.engine.clock import using_clock
from app.models import HumanTask
from tests.conftest import MovableClock
from tests.insight.region import Region

CHAIN = [
    "Melding ontvangen",
    "Melding vastleggen",
    "Acute signalen?",
    "Eerste contact leggen",
    "Vraagverkenning met bewoner (huisbezoek)",
    "Urgentie en route bepalen",
    "Complexe casus?",
]
ROUTES = {"Route?", "Casusoverleg"}


class TickingClock(MovableClock):
    """Real time goes on inside a transaction: every reading is a millisecond later. Under a
    frozen clock a completion and the steps it caused share one timestamp, and an export that
    stamps the completion late would go unnoticed."""

    def __call__(self):
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def auditor(insight):
    from app.services.access import identity

    identity.add_user("audrey2", roles=["auditor"], organisation="netwerk")
    return lambda: insight.client("audrey2")  # a token issued after the clock moved on


@pytest.fixture
def ticking(clock):
    ticking = MovableClock(clock.now)
    ticking.__class__ = TickingClock
    with using_clock(ticking):
        yield ticking


def test_pm4py_discovers_triage_in_the_right_order(insight, pathways, auditor, ticking, tmp_path):
    pm4py = pytest.importorskip("pm4py")
    Region(ticking, seed=3).run(residents=16, spread_days=10, until=ticking.now + timedelta(days=40))
    path = tmp_path / "triage.xes"
    response = auditor().get("/api/v1/audit/export/xes", query_string={"processKey": "triage"})
    assert response.status_code == 200
    path.write_bytes(response.get_data())
    log = pm4py.read_xes(str(path))
    names = set(log["concept:name"])
    # No engine bookkeeping, no unnamed (merge) gateways.
    assert not {n for n in names if "." in n or n in ("Start", "End") or n.startswith("gw_")}, names
    completed = pm4py.filter_event_attribute_values(log, "lifecycle:transition", ["complete"], level="event")
    dfg, starts, _ends = pm4py.discover_dfg(completed)
    assert set(starts) == {"Melding ontvangen"}
    rank = {name: n for n, name in enumerate(CHAIN)}
    for earlier, later in zip(CHAIN, CHAIN[1:], strict=False):
        if (earlier, later) != ("Acute signalen?", "Eerste contact leggen"):
            assert (earlier, later) in dfg, (earlier, later)
    # Nothing of the chain ever follows a later step of it, and the route comes after it all.
    backwards = [(a, b) for (a, b) in dfg if a in rank and b in rank and rank[b] <= rank[a]]
    assert backwards == []
    assert not [(a, b) for (a, b) in dfg if a in ROUTES | {"Opgeschaald"} and b in rank], dfg
    # The inductive miner's model: a sequence that begins melding → ... → route.
    tree = pm4py.discover_process_tree_inductive(completed)
    text = str(tree)
    positions = [text.index(f"'{name}'") for name in ("Melding vastleggen", "Eerste contact leggen",
                                                       "Vraagverkenning met bewoner (huisbezoek)",
                                                       "Urgentie en route bepalen", "Route?")]  # fmt: skip
    assert positions == sorted(positions), text


def test_tasks_export_as_fhir_r4_task(insight, pathways, auditor, clock, db):
    from fhir.resources.R4B.bundle import Bundle

    Region(clock, seed=9).run(residents=8, spread_days=3, until=clock.now + timedelta(days=6))
    response = auditor().get("/api/v1/audit/export/fhir-task")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/fhir+json; fhirVersion=4.0")
    assert response.headers["Content-Disposition"].endswith('.json"')
    body = response.get_data(as_text=True)
    bundle = Bundle.model_validate_json(body)
    document = json.loads(body)
    assert document["meta"]["tag"][0]["code"] == "4.0.1"
    tasks = {entry["resource"]["id"]: entry["resource"] for entry in document["entry"]}
    rows = {str(t.id): t for t in db.session.execute(select(HumanTask)).scalars()}
    assert set(tasks) == set(rows) and len(bundle.entry) == len(rows)
    statuses = set()
    for task_id, resource in tasks.items():
        row = rows[task_id]
        expected = {"completed": "completed", "cancelled": "cancelled"}.get(row.status)
        if expected is None:
            expected = ("in-progress" if row.draft else "accepted") if row.assignee else "requested"
        assert resource["status"] == expected, (row.element_id, row.status, row.assignee)
        statuses.add(expected)
        assert resource["groupIdentifier"]["value"] == str(row.instance_id)
        assert resource["priority"] == {100: "stat", 90: "asap", 75: "urgent"}.get(row.priority, "routine")
        if row.due_at:
            assert resource["restriction"]["period"]["end"] == row.due_at.isoformat()
        assert resource["intent"] == "order" and resource["code"]["coding"][0]["code"] == row.element_id
    assert {"completed", "requested"} <= statuses
    assert {t["priority"] for t in tasks.values()} >= {"urgent", "routine"}
    # The export itself is logged (E), before the first byte.
    from app.models import AuditEvent

    db.session.expire_all()
    exported = db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type == "audit.exported")
    ).scalars()
    assert [r.details["format"] for r in exported] == ["fhir-task"]
