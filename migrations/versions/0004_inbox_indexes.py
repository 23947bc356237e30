"""inbox: partial index for open tasks by due date (undated last)

The inbox's default page orders open tasks by (due_at IS NULL), due_at, id. With this index
PostgreSQL walks open tasks in that order and stops after the first page of visible rows
instead of filtering and sorting every open task (bench/inbox.py, docs/performance.md).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_human_tasks_open_due",
        "human_tasks",
        [sa.text("(due_at IS NULL)"), "due_at", "id"],
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_human_tasks_open_due", table_name="human_tasks")
