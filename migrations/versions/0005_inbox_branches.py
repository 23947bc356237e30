"""inbox: candidates carry their task's status, due date and assignee; per-branch indexes

The inbox's visible set is a union of branches (each of my groups, me as a candidate user, me
as the assignee). With the task's status, due date and assignee copied onto `task_candidates`,
each branch walks one partial index in page order and stops after a page, instead of walking
every open task and probing its candidates (bench/inbox.py, docs/performance.md).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("task_candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("due_at", app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("task_assignee", sa.String(length=100), nullable=True))
    # Correlated subqueries: the same statement on SQLite and PostgreSQL.
    op.execute(
        "UPDATE task_candidates SET "
        "task_status = (SELECT status FROM human_tasks WHERE human_tasks.id = task_candidates.task_id), "
        "due_at = (SELECT due_at FROM human_tasks WHERE human_tasks.id = task_candidates.task_id), "
        "task_assignee = (SELECT assignee FROM human_tasks WHERE human_tasks.id = task_candidates.task_id)"
    )
    with op.batch_alter_table("task_candidates", schema=None) as batch_op:
        batch_op.alter_column("task_status", existing_type=sa.String(length=20), nullable=False)
    # Outside batch mode: SQLite's table copy does not carry expression indexes over.
    for name, column in (("ix_task_candidates_open_group_due", "group_name"),
                         ("ix_task_candidates_open_user_due", "user_name")):
        op.create_index(
            name,
            "task_candidates",
            [column, sa.text("(due_at IS NULL)"), "due_at", "task_id"],
            postgresql_where=sa.text("task_status = 'open'"),
            sqlite_where=sa.text("task_status = 'open'"),
        )
    op.create_index(
        "ix_task_candidates_unassigned_group_due",
        "task_candidates",
        ["group_name", sa.text("(due_at IS NULL)"), "due_at", "task_id"],
        postgresql_where=sa.text("task_status = 'open' AND task_assignee IS NULL"),
        sqlite_where=sa.text("task_status = 'open' AND task_assignee IS NULL"),
    )
    op.create_index(
        "ix_human_tasks_open_assignee_due",
        "human_tasks",
        ["assignee", sa.text("(due_at IS NULL)"), "due_at", "id"],
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_human_tasks_open_assignee_due", table_name="human_tasks")
    op.drop_index("ix_task_candidates_unassigned_group_due", table_name="task_candidates")
    op.drop_index("ix_task_candidates_open_user_due", table_name="task_candidates")
    op.drop_index("ix_task_candidates_open_group_due", table_name="task_candidates")
    with op.batch_alter_table("task_candidates", schema=None) as batch_op:
        batch_op.drop_column("task_assignee")
        batch_op.drop_column("due_at")
        batch_op.drop_column("task_status")
