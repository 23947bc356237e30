"""PostgreSQL: a runtime role that cannot erase the audit log; retention through one function

The service used to run as the owner of its tables, so its own connection could TRUNCATE
`audit_events`, and the append-only trigger let any role that may UPDATE it erase a row's
details. Now:

- the role `ZORGPAD_RUNTIME_ROLE` (default `zorgpad_app`; created here when missing, LOGIN,
  no password: set one, or create it yourself beforehand) gets SELECT/INSERT/UPDATE/DELETE on
  the tables and USAGE on the sequences, but on `audit_events` only SELECT and INSERT, on
  `audit_chain_head` no DELETE, on `alembic_version` only SELECT. Tables created by later
  migrations (run by the same owner) get the ordinary rights by default privileges;
- the retention job erases details only through `zorgpad_erase_audit_details` (SECURITY
  DEFINER, runs as the owner): it refuses a cut-off less than five years back (database time)
  and a case that was not closed before it, and changes `details`, `details_salt` and
  `redacted_by` of that case's rows only;
- the trigger lets that change through only when the function asks for it (a transaction-
  local setting) and the row's case was closed more than five years ago; everything else,
  by any role, is refused.

SQLite has no roles: nothing changes there.

Revision ID: 0009
Revises: 0008
"""

import os
import re

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def runtime_role() -> str:
    name = os.environ.get("ZORGPAD_RUNTIME_ROLE") or "zorgpad_app"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"ZORGPAD_RUNTIME_ROLE {name!r}: use lower-case letters, digits and _")
    return name


CREATE_ROLE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        BEGIN
            CREATE ROLE {role} LOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a migration of another database on this cluster
        END;
    END IF;
END $$
"""

GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    "REVOKE ALL ON audit_events FROM {role}",
    "GRANT SELECT, INSERT ON audit_events TO {role}",
    "REVOKE DELETE, TRUNCATE ON audit_chain_head FROM {role}",
    "REVOKE ALL ON alembic_version FROM {role}",
    "GRANT SELECT ON alembic_version TO {role}",
)

# A case is past retention when it was closed before the cut-off, or all its pathway
# instances ended before it; never while an instance still runs (services/audit/retention.py).
CASE_CLOSED_BEFORE = """
CREATE FUNCTION zorgpad_case_closed_before(p_case uuid, p_cutoff timestamptz) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
    SELECT EXISTS (
        SELECT 1 FROM cases c
        WHERE c.id = p_case
          AND NOT EXISTS (SELECT 1 FROM process_instances i WHERE i.case_id = c.id AND i.ended_at IS NULL)
          AND (c.closed_at < p_cutoff
               OR (EXISTS (SELECT 1 FROM process_instances i WHERE i.case_id = c.id)
                   AND NOT EXISTS (SELECT 1 FROM process_instances i
                                   WHERE i.case_id = c.id AND i.ended_at >= p_cutoff)))
    )
$$
"""

ERASE_FUNCTION = """
CREATE FUNCTION zorgpad_erase_audit_details(p_case uuid, p_redacted_by uuid, p_cutoff timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    erased bigint;
BEGIN
    IF p_case IS NULL OR p_redacted_by IS NULL OR p_cutoff IS NULL THEN
        RAISE EXCEPTION 'case, retention event and cut-off are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_cutoff > now() - interval '5 years' THEN
        RAISE EXCEPTION 'audit details are kept at least five years (NEN 7513): cut-off % refused', p_cutoff
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT zorgpad_case_closed_before(p_case, p_cutoff) THEN
        RAISE EXCEPTION 'case % was not closed before %: its audit details stay', p_case, p_cutoff
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('zorgpad.audit_redaction', 'retention', true);
    UPDATE audit_events SET details = NULL, details_salt = NULL, redacted_by = p_redacted_by
     WHERE case_id = p_case AND redacted_by IS NULL;
    GET DIAGNOSTICS erased = ROW_COUNT;
    PERFORM set_config('zorgpad.audit_redaction', '', true);
    RETURN erased;
END
$$
"""

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('zorgpad.audit_redaction', true) = 'retention'
       AND OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL
       AND NEW.details IS NULL AND NEW.details_salt IS NULL
       AND (to_jsonb(NEW) - 'details' - 'details_salt' - 'redacted_by')
           = (to_jsonb(OLD) - 'details' - 'details_salt' - 'redacted_by')
       AND OLD.case_id IS NOT NULL
       AND zorgpad_case_closed_before(OLD.case_id, now() - interval '5 years') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % of seq % refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""

# The trigger function of 0003, for the downgrade.
PREVIOUS_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL
       AND NEW.details IS NULL AND NEW.details_salt IS NULL
       AND (to_jsonb(NEW) - 'details' - 'details_salt' - 'redacted_by')
           = (to_jsonb(OLD) - 'details' - 'details_salt' - 'redacted_by') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % of seq % refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""

ERASE_SIGNATURE = "zorgpad_erase_audit_details(uuid, uuid, timestamptz)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    role = runtime_role()
    op.execute(CREATE_ROLE.format(role=role))
    for statement in GRANTS:
        op.execute(statement.format(role=role))
    op.execute(CASE_CLOSED_BEFORE)
    op.execute(ERASE_FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {ERASE_SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {ERASE_SIGNATURE} TO {role}")
    op.execute(APPEND_ONLY_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    role = runtime_role()
    op.execute(PREVIOUS_APPEND_ONLY_FUNCTION)
    op.execute(f"DROP FUNCTION IF EXISTS {ERASE_SIGNATURE}")
    op.execute("DROP FUNCTION IF EXISTS zorgpad_case_closed_before(uuid, timestamptz)")
    # The role is the cluster's (other databases may use it): only its rights here go.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {role}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
