"""inbox: task comments

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import app.models.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_comments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"], name=op.f("fk_task_comments_instance_id_process_instances")),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"], name=op.f("fk_task_comments_task_id_human_tasks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_comments")),
    )
    with op.batch_alter_table("task_comments", schema=None) as batch_op:
        batch_op.create_index("ix_task_comments_task_created", ["task_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_comments_instance_id"), ["instance_id"], unique=False)
    # Inbox sorting by creation time and priority (the due-date index exists since 0001).
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_human_tasks_status_created", ["status", "created_at"], unique=False)
        batch_op.create_index("ix_human_tasks_status_priority", ["status", "priority"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_human_tasks_status_priority")
        batch_op.drop_index("ix_human_tasks_status_created")
    with op.batch_alter_table("task_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_comments_instance_id"))
        batch_op.drop_index("ix_task_comments_task_created")
    op.drop_table("task_comments")
