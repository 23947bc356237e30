"""Exports stream, are logged, and are accepted by fhir.resources and pm4py."""

import csv
import io
import json

import pytest

from app.services.audit import exports
from app.services.audit.queries import SearchFilters
from tests.audit.conftest import AUDREY, audit_rows


@pytest.fixture
def auditor_client(app, db):
    from app.services.access import identity

    identity.add_user("audrey", roles=["auditor"], organisation="kwaliteit")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {identity.issue_token('audrey')}"
    return client


def _run_some(pathway):
    pathway(scores=(1, 3))
    pathway(scores=(4, 4))
    pathway(scores=(3, 3), fact=True)


def test_csv_and_json_lines(auditor_client, db, pathway):
    _run_some(pathway)
    total = len(audit_rows(db))
    response = auditor_client.get("/api/v1/audit/export/csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == total + 1  # with the export's own row, committed before streaming
    assert rows[-1]["eventType"] == "audit.exported" and rows[-1]["user"] == "audrey"
    # Account management is audited too (the auditor was created first).
    assert [r["eventType"] for r in rows[:2]] == ["user.created", "deployment.created"]
    lines = auditor_client.get("/api/v1/audit/export/jsonl?action=U").get_data(as_text=True).splitlines()
    assert lines and all(json.loads(line)["action"] == "U" for line in lines)
    exported = audit_rows(db, event_type="audit.exported")
    assert [(r.action, r.details["format"]) for r in exported] == [("E", "csv"), ("E", "jsonl")]


def test_fhir_bundle_validates_with_fhir_resources(auditor_client, db, pathway):
    from fhir.resources.R4B.bundle import Bundle

    _run_some(pathway)
    body = auditor_client.get("/api/v1/audit/export/fhir").get_data(as_text=True)
    parse = getattr(Bundle, "model_validate_json", None) or Bundle.parse_raw  # pydantic 2 or 1
    bundle = parse(body)
    events = [entry.resource for entry in bundle.entry]
    assert len(events) == len(audit_rows(db))  # its own export row included: committed first
    assert {e.action for e in events} >= {"C", "U", "E"}
    read = json.loads(body)["entry"][-2]["resource"]  # the last pathway event before the export
    assert read["agent"][0]["who"]["identifier"]["value"] == "anna"
    assert read["entity"][0]["role"]["code"] == "1"  # the client (patient role)


def test_xes_imports_in_pm4py_and_a_model_is_discovered(auditor_client, db, pathway, tmp_path):
    pm4py = pytest.importorskip("pm4py")
    _run_some(pathway)
    path = tmp_path / "zorgpad.xes"
    path.write_bytes(auditor_client.get("/api/v1/audit/export/xes?processKey=beslissing").get_data())
    log = pm4py.read_xes(str(path))
    assert log["case:concept:name"].nunique() == 3
    assert {"Invoer", "Route bepalen", "Zware route", "Lichte route"} <= set(log["concept:name"])
    net, initial, final = pm4py.discover_petri_net_inductive(log)
    assert {t.label for t in net.transitions if t.label} >= {"Route bepalen", "Invoer"}


def test_exports_stream_from_a_cursor_in_batches(db, pathway, monkeypatch):
    _run_some(pathway)
    monkeypatch.setattr(exports, "BATCH", 2)
    chunks = exports.begin_export(db.session, AUDREY, "jsonl", SearchFilters())
    first = next(chunks)  # a generator: nothing is read before it is asked for
    assert json.loads(first)["seq"] == 1
    assert len(list(chunks)) == len(audit_rows(db)) - 1
