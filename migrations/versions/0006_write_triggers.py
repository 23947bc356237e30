"""triggers: candidates follow their task, the audit chain head follows the last audit row

Two copies that had to be written by a second statement in every transaction that changed
them are now kept by the database in the statement that changes their source:

- `task_candidates.task_status/due_at/task_assignee` follow `human_tasks.status/due_at/assignee`
  on every UPDATE of those columns (by the ORM, a bulk Core UPDATE or by hand);
- `audit_chain_head.seq/hash` follow the newest `audit_events` row on INSERT (the append still
  locks the head first, services/audit/chain.py).

A later migration that rebuilds `human_tasks` or `audit_events` with SQLite's batch mode (copy
and rename) drops their triggers and must create them again.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_MIRROR = (
    "UPDATE task_candidates SET task_status = NEW.status, due_at = NEW.due_at,"
    " task_assignee = NEW.assignee WHERE task_id = NEW.id"
)

POSTGRESQL_UP = (
    f"""
    CREATE FUNCTION zorgpad_task_candidates_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_MIRROR};
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER human_tasks_candidates_follow
    AFTER UPDATE OF status, due_at, assignee ON human_tasks FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.due_at IS DISTINCT FROM NEW.due_at
          OR OLD.assignee IS DISTINCT FROM NEW.assignee)
    EXECUTE FUNCTION zorgpad_task_candidates_follow()
    """,
    # One head update per INSERT statement (a transition table), not per appended row.
    """
    CREATE FUNCTION zorgpad_audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE audit_chain_head AS head SET seq = newest.seq, hash = newest.hash
        FROM (SELECT seq, hash FROM appended ORDER BY seq DESC LIMIT 1) AS newest
        WHERE head.id = 1 AND head.seq < newest.seq;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER audit_events_head_follows
    AFTER INSERT ON audit_events REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION zorgpad_audit_head_follows()
    """,
)

POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS audit_events_head_follows ON audit_events",
    "DROP FUNCTION IF EXISTS zorgpad_audit_head_follows()",
    "DROP TRIGGER IF EXISTS human_tasks_candidates_follow ON human_tasks",
    "DROP FUNCTION IF EXISTS zorgpad_task_candidates_follow()",
)

# SQLite has row triggers only; `IS NOT` is its null-safe inequality.
SQLITE_UP = (
    f"""
    CREATE TRIGGER human_tasks_candidates_follow
    AFTER UPDATE OF status, due_at, assignee ON human_tasks FOR EACH ROW
    WHEN OLD.status IS NOT NEW.status OR OLD.due_at IS NOT NEW.due_at
         OR OLD.assignee IS NOT NEW.assignee
    BEGIN
        {_MIRROR};
    END
    """,
    """
    CREATE TRIGGER audit_events_head_follows
    AFTER INSERT ON audit_events FOR EACH ROW
    BEGIN
        UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq < NEW.seq;
    END
    """,
)

SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_events_head_follows",
    "DROP TRIGGER IF EXISTS human_tasks_candidates_follow",
)


def _statements(up: bool) -> tuple[str, ...]:
    postgres = op.get_bind().dialect.name == "postgresql"
    if up:
        return POSTGRESQL_UP if postgres else SQLITE_UP
    return POSTGRESQL_DOWN if postgres else SQLITE_DOWN


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
