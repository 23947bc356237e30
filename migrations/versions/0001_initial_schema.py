"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:43:49.633569
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("network", sa.String(length=100), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_cases_pseudonym")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("deployed_by", sa.String(length=100), nullable=True),
        sa.Column("deployed_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "files",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("domain", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("key", name=op.f("uq_organisations_key")),
    )
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("hash", "name", name="uq_resources_hash_name"),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resources_hash"), ["hash"], unique=False)
        batch_op.create_index(
            "ix_resources_kind_name", ["kind", "name", "created_at"], unique=False
        )

    op.create_table(
        "groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("sees_case_data", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_groups_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("key", name=op.f("uq_groups_key")),
    )
    op.create_table(
        "process_definitions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "spec",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("bpmn_hash", sa.String(length=64), nullable=False),
        sa.Column("bpmn_name", sa.String(length=200), nullable=False),
        sa.Column("deployment_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_process_definitions_deployment_id_deployments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_definitions")),
        sa.UniqueConstraint("key", "content_hash", name="uq_process_definitions_key_hash"),
        sa.UniqueConstraint("key", "version", name="uq_process_definitions_key_version"),
    )
    with op.batch_alter_table("process_definitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_definitions_key"), ["key"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column(
            "roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("external_subject", sa.String(length=300), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("external_subject", name=op.f("uq_users_external_subject")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "memberships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_memberships_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("user_id", "group_id", name="uq_memberships_user_group"),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "process_instances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("definition_id", sa.Uuid(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("business_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "state",
            sa.JSON(),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("next_timer_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("started_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "error",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_process_instances_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definitions.id"],
            name=op.f("fk_process_instances_definition_id_process_definitions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_instances")),
    )
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_process_instances_business_key"), ["business_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_process_instances_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_process_instances_definition_id"), ["definition_id"], unique=False
        )
        batch_op.create_index(
            "ix_process_instances_next_timer", ["status", "next_timer_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_process_instances_process_key"), ["process_key"], unique=False
        )

    op.create_table(
        "history_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=True),
        sa.Column("element_name", sa.String(length=300), nullable=True),
        sa.Column("element_type", sa.String(length=60), nullable=True),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_history_events_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_history_events_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_events")),
    )
    with op.batch_alter_table("history_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_history_events_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_history_events_instance_id"), ["instance_id"], unique=False
        )

    op.create_table(
        "human_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("lane", sa.String(length=200), nullable=True),
        sa.Column(
            "candidate_groups",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "candidate_users",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=300), nullable=True),
        sa.Column("documentation", sa.Text(), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column(
            "draft",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_human_tasks_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_human_tasks_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_human_tasks")),
    )
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_human_tasks_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_human_tasks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_human_tasks_instance_id"), ["instance_id"], unique=False
        )
        batch_op.create_index("ix_human_tasks_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "correlation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source_instance_id", sa.Uuid(), nullable=True),
        sa.Column("target_instance_id", sa.Uuid(), nullable=True),
        sa.Column("sent_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_messages_source_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["target_instance_id"],
            ["process_instances.id"],
            name=op.f("fk_messages_target_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_messages_idempotency_key")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_status_next", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "timers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("due_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fired_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_timers_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timers_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_timers_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "task_candidates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("group_name", sa.String(length=200), nullable=True),
        sa.Column("user_name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["human_tasks.id"],
            name=op.f("fk_task_candidates_task_id_human_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_candidates")),
    )
    with op.batch_alter_table("task_candidates", schema=None) as batch_op:
        batch_op.create_index("ix_task_candidates_group", ["group_name", "task_id"], unique=False)
        batch_op.create_index("ix_task_candidates_user", ["user_name", "task_id"], unique=False)
        batch_op.create_index("ix_task_candidates_task_id", ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_candidates", schema=None) as batch_op:
        batch_op.drop_index("ix_task_candidates_task_id")
        batch_op.drop_index("ix_task_candidates_user")
        batch_op.drop_index("ix_task_candidates_group")

    op.drop_table("task_candidates")
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_status_due")
        batch_op.drop_index(batch_op.f("ix_timers_instance_id"))

    op.drop_table("timers")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_status_next")

    op.drop_table("messages")
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_human_tasks_status_due")
        batch_op.drop_index(batch_op.f("ix_human_tasks_instance_id"))
        batch_op.drop_index(batch_op.f("ix_human_tasks_case_id"))
        batch_op.drop_index(batch_op.f("ix_human_tasks_assignee"))

    op.drop_table("human_tasks")
    with op.batch_alter_table("history_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_events_instance_id"))
        batch_op.drop_index(batch_op.f("ix_history_events_case_id"))

    op.drop_table("history_events")
    with op.batch_alter_table("process_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_instances_process_key"))
        batch_op.drop_index("ix_process_instances_next_timer")
        batch_op.drop_index(batch_op.f("ix_process_instances_definition_id"))
        batch_op.drop_index(batch_op.f("ix_process_instances_case_id"))
        batch_op.drop_index(batch_op.f("ix_process_instances_business_key"))

    op.drop_table("process_instances")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_group_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("process_definitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_definitions_key"))

    op.drop_table("process_definitions")
    op.drop_table("groups")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index("ix_resources_kind_name")
        batch_op.drop_index(batch_op.f("ix_resources_hash"))

    op.drop_table("resources")
    op.drop_table("organisations")
    op.drop_table("deployments")
    op.drop_table("cases")
