"""The hash chain: verify finds edited, deleted, inserted and reordered rows and says where."""

import threading
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main
from app.services import audit
from app.services.audit.record import record_access
from app.services.instances import creation
from tests.audit.conftest import ANNA, attacker, audit_rows
from tests.conftest import RUNTIME_ROLE


def _verify(db):
    db.session.rollback()
    return audit.verify(db.session)


def _where(result):
    return {f.seq for f in result.findings}


def test_an_untouched_log_verifies_and_the_cli_says_so(db, pathway, database_url, monkeypatch):
    pathway()
    result = _verify(db)
    assert result.ok and result.checked == len(audit_rows(db)) >= 10
    monkeypatch.setenv("ZORGPAD_DATABASE_URL", database_url)
    out = CliRunner().invoke(main, ["audit", "verify"])
    assert out.exit_code == 0, out.output
    assert "audit log intact" in out.output
    anchor = f"{result.last_seq}:{result.last_hash}"
    assert CliRunner().invoke(main, ["audit", "verify", "--anchor", anchor]).exit_code == 0


def test_an_edited_row_is_caught_by_seq_and_event_id(db, pathway, database_url, monkeypatch):
    pathway()
    target = audit_rows(db)[4]
    with attacker(db) as conn:
        conn.execute(text('UPDATE audit_events SET "user" = \'mallory\' WHERE seq = 5'))
    result = _verify(db)
    assert _where(result) == {5}
    assert str(target.event_id) in str(result.findings[0])
    monkeypatch.setenv("ZORGPAD_DATABASE_URL", database_url)
    out = CliRunner().invoke(main, ["audit", "verify"])
    assert out.exit_code == 1
    assert "seq 5" in out.output and "edited" in out.output


def test_edited_details_are_caught(db, pathway):
    pathway()
    [completed] = audit_rows(db, event_type="task.completed")
    with attacker(db) as conn:
        conn.execute(
            text("UPDATE audit_events SET details = :d WHERE seq = :s"),
            {"d": '{"data": {"scores": [5, 5, 5]}}', "s": completed.seq},
        )
    assert _where(_verify(db)) == {completed.seq}


def test_deleted_rows_are_caught_in_the_middle_and_at_the_end(db, pathway):
    pathway()
    last = audit_rows(db)[-1].seq
    with attacker(db) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq IN (3, :last)"), {"last": last})
    result = _verify(db)
    assert 4 in _where(result)  # the row after the gap names it
    assert any("chain head" in f.problem for f in result.findings)  # the cut-off tail


def test_an_inserted_row_is_caught(db, pathway):
    pathway()
    rows = audit_rows(db)
    forged = uuid.uuid4()
    with attacker(db) as conn:
        # Make room at seq 3 and put a forged copy of row 2 there.
        conn.execute(text("UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 3"))
        conn.execute(text("UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1003"))
        conn.execute(
            text(
                "INSERT INTO audit_events SELECT 3, :eid, recorded_at, action, outcome, event_type, "
                "'mallory', acting_for, role, user_groups, organisation, purpose, address, break_glass, "
                "case_id, case_pseudonym, process_key, instance_id, object_type, object_id, element_id, "
                "element_name, details, details_salt, details_digest, redacted_by, prev_hash, hash "
                "FROM audit_events WHERE seq = 2"
            ),
            {"eid": forged if conn.dialect.name == "postgresql" else forged.hex},
        )
    result = _verify(db)
    assert 3 in _where(result) and 4 in _where(result)
    assert len(rows) + 1 == result.checked


def test_reordered_rows_are_caught(db, pathway):
    pathway()
    with attacker(db) as conn:
        conn.execute(text("UPDATE audit_events SET seq = -1 WHERE seq = 4"))
        conn.execute(text("UPDATE audit_events SET seq = 4 WHERE seq = 5"))
        conn.execute(text("UPDATE audit_events SET seq = 5 WHERE seq = -1"))
    assert {4, 5} <= _where(_verify(db))


def test_a_rewritten_chain_is_caught_by_an_external_anchor(db, pathway):
    pathway()
    good = _verify(db)
    with attacker(db) as conn:
        forged = {"h": "f" * 64, "s": good.last_seq}
        conn.execute(text("UPDATE audit_events SET hash = :h WHERE seq = :s"), forged)
        conn.execute(text("UPDATE audit_chain_head SET hash = :h"), {"h": "f" * 64})
    db.session.rollback()
    result = audit.verify(db.session, anchor=(good.last_seq, good.last_hash))
    assert any("anchor" in f.problem for f in result.findings)


def test_the_runtime_role_cannot_update_delete_or_truncate_audit_rows(db, pathway):
    """The service's own connection (the runtime role, migration 0009) may only add and read."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("roles are PostgreSQL's; SQLite has none")
    pathway()
    assert db.engine.url.username == RUNTIME_ROLE  # the app under test runs as the runtime role
    for statement in (
        'UPDATE audit_events SET "user" = \'mallory\' WHERE seq = 2',
        "UPDATE audit_events SET details = NULL, details_salt = NULL WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
        "TRUNCATE audit_events",
        "TRUNCATE audit_events CASCADE",
        "DELETE FROM audit_chain_head",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "DROP TABLE audit_events",
    ):
        with pytest.raises(Exception, match="permission denied|must be owner"), db.engine.begin() as conn:
            conn.execute(text(statement))
    # Nor may it erase details through the retention function for a case still running.
    [row] = audit_rows(db, seq=2)
    with pytest.raises(Exception, match="not closed before|five years"), db.engine.begin() as conn:
        conn.execute(
            text("SELECT zorgpad_erase_audit_details(:case, :event, now() - interval '6 years')"),
            {"case": row.case_id, "event": row.event_id},
        )
    with pytest.raises(Exception, match="five years"), db.engine.begin() as conn:
        conn.execute(
            text("SELECT zorgpad_erase_audit_details(:case, :event, now() - interval '4 years')"),
            {"case": row.case_id, "event": row.event_id},
        )
    db.session.rollback()
    assert _verify(db).ok


def test_even_the_owner_cannot_edit_or_erase_outside_retention(db, pathway):
    """The trigger holds for any role with UPDATE rights: no edits, no deletes, and no erasure of
    details unless the retention function asks for it for a case closed five years ago."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    from tests.support import owner_engine

    pathway()
    for statement in (
        'UPDATE audit_events SET "user" = \'mallory\' WHERE seq = 2',
        "DELETE FROM audit_events WHERE seq = 2",
        "UPDATE audit_events SET details = NULL, details_salt = NULL WHERE seq = 2",
        # The old retention exception: erase details and name any event. Refused now.
        "UPDATE audit_events SET details = NULL, details_salt = NULL, redacted_by = event_id WHERE seq = 2",
    ):
        with pytest.raises(Exception, match="append-only"), owner_engine(db).begin() as conn:
            conn.execute(text(statement))
    # Pretending to be the function does not help for a case that is not long closed.
    with pytest.raises(Exception, match="append-only"), owner_engine(db).begin() as conn:
        conn.execute(text("SELECT set_config('zorgpad.audit_redaction', 'retention', true)"))
        conn.execute(
            text(
                "UPDATE audit_events SET details = NULL, details_salt = NULL, redacted_by = event_id "
                "WHERE seq = 2"
            )
        )
    db.session.rollback()
    assert _verify(db).ok


def test_concurrent_writers_keep_one_chain(app, db, pathway):
    instance = pathway()
    errors = []

    def reader(n):
        try:
            with app.app_context():
                from app.extensions import db as database

                for _ in range(5):
                    record_access(database.session, ANNA, object_type="ProcessInstance",
                                  object_id=instance.id, instance=creation.get_instance(
                                      database.session, instance.id))
                    database.session.commit()
                database.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(6)]
    before = len(audit_rows(db))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = _verify(db)
    assert result.ok, [str(f) for f in result.findings]
    assert result.checked == before + 30
