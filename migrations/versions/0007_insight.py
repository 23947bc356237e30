"""insight: where a case lives (municipality, wijk) and the rollup tables of the insight pages

`cases.municipality` / `cases.wijk` are filled from the triage report (form fields marked
`x-case`). The `insight_*` tables hold facts derived from `history_events` by the worker's
incremental rollup (services/insight/rollup.py); they can be emptied and rebuilt at any time.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_DATETIME = app.models.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): no table copy on SQLite.
    op.add_column("cases", sa.Column("municipality", sa.String(length=100), nullable=True))
    op.add_column("cases", sa.Column("wijk", sa.String(length=100), nullable=True))

    op.create_table(
        "insight_watermarks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("gap_id", sa.BigInteger(), nullable=True),
        sa.Column("gap_seen_at", UTC_DATETIME, nullable=True),
        sa.Column("refreshed_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "insight_instances",
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("start_message", sa.String(length=200), nullable=True),
        sa.Column("municipality", sa.String(length=100), nullable=True),
        sa.Column("wijk", sa.String(length=100), nullable=True),
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("variant_hash", sa.String(length=40), nullable=False),
        sa.Column("last_history_id", sa.BigInteger(), nullable=False),
        sa.Column("board_entered_at", UTC_DATETIME, nullable=True),
        sa.Column("board_left_at", UTC_DATETIME, nullable=True),
        sa.Column("handed_over_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("instance_id"),
    )
    op.create_index("ix_insight_instances_process_started", "insight_instances", ["process_key", "started_at"])
    op.create_index("ix_insight_instances_variant", "insight_instances", ["process_key", "variant_hash"])
    op.create_index("ix_insight_instances_case", "insight_instances", ["case_id"])

    op.create_table(
        "insight_tasks",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("organisation", sa.String(length=100), nullable=True),
        sa.Column("municipality", sa.String(length=100), nullable=True),
        sa.Column("wijk", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=True),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("work_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.create_index("ix_insight_tasks_definition_created", "insight_tasks", ["definition_id", "created_at"])
    op.create_index("ix_insight_tasks_instance", "insight_tasks", ["instance_id"])

    op.create_table(
        "insight_norm_cases",
        sa.Column("norm", sa.String(length=40), nullable=False),
        sa.Column("start_ref", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("organisation", sa.String(length=100), nullable=True),
        sa.Column("municipality", sa.String(length=100), nullable=True),
        sa.Column("wijk", sa.String(length=100), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("deadline_at", UTC_DATETIME, nullable=False),
        sa.Column("risk_at", UTC_DATETIME, nullable=False),
        sa.Column("ended_at", UTC_DATETIME, nullable=True),
        sa.Column("cancelled_at", UTC_DATETIME, nullable=True),
        sa.Column("end_ref", sa.BigInteger(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("norm", "start_ref"),
    )
    op.create_index("ix_insight_norm_cases_norm_started", "insight_norm_cases", ["norm", "started_at"])
    op.create_index("ix_insight_norm_cases_instance", "insight_norm_cases", ["instance_id"])
    op.create_index(
        "ix_insight_norm_cases_open",
        "insight_norm_cases",
        ["norm", "risk_at"],
        postgresql_where=sa.text("ended_at IS NULL AND cancelled_at IS NULL"),
        sqlite_where=sa.text("ended_at IS NULL AND cancelled_at IS NULL"),
    )

    op.create_table(
        "insight_passages",
        sa.Column("history_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("outputs", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("history_id", "outcome"),
    )
    op.create_index("ix_insight_passages_definition_at", "insight_passages", ["definition_id", "at"])


def downgrade() -> None:
    for table in ("insight_passages", "insight_norm_cases", "insight_tasks", "insight_instances",
                  "insight_watermarks"):
        op.drop_table(table)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("wijk")
        batch_op.drop_column("municipality")
