"""Retention pseudonymises long-closed cases; the audit rows stay and the chain still verifies."""

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from app.cli import main
from app.models import Case, HistoryEvent, HumanTask, ProcessInstance
from app.services import audit
from app.services.audit.retention import PSEUDONYMISED_NAME, REMOVED, cutoff, run_retention
from app.services.errors import InvalidInput
from app.services.instances import lifecycle as instances
from tests.audit.conftest import ANNA, attacker, audit_rows


@pytest.fixture
def old_and_new(db, pathway, clock):
    """One case ended 21 years ago, one still running now.

    Dated in the past: on PostgreSQL the erasure function checks the five-year floor against
    the database's own clock, which the test clock cannot move."""
    clock.now = datetime(2001, 3, 5, 9, 0, tzinfo=UTC)
    old = pathway(name="Mw. Oud")
    instances.cancel_instance(old.id, actor=ANNA, reason="verhuisd")
    clock.advance(days=21 * 366)
    new = pathway(name="Dhr. Nieuw")
    return old, new


def test_dry_run_lists_and_changes_nothing(db, old_and_new):
    old, _new = old_and_new
    report = run_retention("P20Y", dry_run=True)
    assert report.cases == [str(old.case_id)]
    db.session.expire_all()
    assert db.session.get(Case, old.case_id).display_name == "Mw. Oud"
    assert all(r.details is not None for r in audit_rows(db, case_id=old.case_id))


def test_personal_data_goes_audit_rows_stay_and_the_chain_verifies(db, old_and_new):
    old, new = old_and_new
    rows_before = len(audit_rows(db))
    report = run_retention("P20Y")
    assert report.cases == [str(old.case_id)] and report.audit_rows_redacted > 5
    db.session.expire_all()
    assert db.session.get(Case, old.case_id).display_name == PSEUDONYMISED_NAME
    assert db.session.get(Case, new.case_id).display_name == "Dhr. Nieuw"
    task = db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == old.id, HumanTask.status == "completed")
    ).scalar_one()
    assert task.data == {"scores": [REMOVED, REMOVED, REMOVED], "bekend_bij_fact": REMOVED}
    decision = db.session.execute(
        select(HistoryEvent).where(HistoryEvent.instance_id == old.id, HistoryEvent.element_id == "besluit")
    ).scalar_one()
    assert decision.data["decision"]["matchedRules"][0]["id"] == "r_acuut"  # why, kept
    assert decision.data["decision"]["outputs"] == {"route": REMOVED}  # the values, gone
    state = db.session.get(ProcessInstance, old.id).state
    assert "Mw. Oud" not in str(state) and "[3, 1, 4]" not in str(state)
    rows = audit_rows(db)
    assert len(rows) == rows_before + 1 and rows[-1].event_type == "retention.pseudonymised"
    erased = [r for r in rows if r.case_id == old.case_id and r.redacted_by is not None]
    assert erased and all(r.details is None and r.details_salt is None for r in erased)
    assert all(r.redacted_by == rows[-1].event_id for r in erased)
    db.session.rollback()
    result = audit.verify(db.session)
    assert result.ok, [str(f) for f in result.findings]
    assert run_retention("P20Y").cases == []  # done once


def test_an_erasure_without_a_retention_event_is_caught(db, old_and_new):
    old, _ = old_and_new
    [row] = audit_rows(db, case_id=old.case_id, event_type="task.completed")
    fake = "00000000-0000-0000-0000-000000000001"
    with attacker(db) as conn:
        value = fake if conn.dialect.name == "postgresql" else fake.replace("-", "")
        conn.execute(
            text(
                "UPDATE audit_events SET details = NULL, details_salt = NULL, redacted_by = :r "
                "WHERE seq = :s"
            ),
            {"r": value, "s": row.seq},
        )
    db.session.rollback()
    assert {f.seq for f in audit.verify(db.session).findings} == {row.seq}


def test_less_than_five_years_is_refused(db, clock):
    with pytest.raises(InvalidInput):
        run_retention("P4Y")
    with pytest.raises(InvalidInput):
        run_retention("5 years")
    assert cutoff("P1Y1M", clock.now).isoformat().startswith("2025-02-02")


def test_cli_retention(db, old_and_new, database_url, monkeypatch):
    monkeypatch.setenv("ZORGPAD_DATABASE_URL", database_url)
    dry = CliRunner().invoke(main, ["audit", "retention", "--older-than", "P20Y", "--dry-run"])
    assert dry.exit_code == 0 and "would pseudonymise 1 case" in dry.output
    assert CliRunner().invoke(main, ["audit", "retention", "--older-than", "P1Y"]).exit_code == 2


def test_decision_evidence_keeps_the_table_and_loses_the_values():
    from app.services.audit.retention import scrub

    evidence = {
        "decisionId": "route",
        "hitPolicy": "COLLECT",
        "aggregation": "SUM",
        "inputs": [{"label": "Leeftijd", "expression": "leeftijd", "value": 42}],
        "requiredDecisions": [{"decisionId": "risico", "hitPolicy": "UNIQUE", "outputs": {"risico": "hoog"}}],
    }
    scrubbed = scrub(evidence)
    assert scrubbed["aggregation"] == "SUM" and scrubbed["hitPolicy"] == "COLLECT"
    assert scrubbed["inputs"] == [{"label": "Leeftijd", "expression": "leeftijd", "value": REMOVED}]
    assert scrubbed["requiredDecisions"][0]["outputs"] == {"risico": REMOVED}
