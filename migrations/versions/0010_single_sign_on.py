"""single sign-on: a user's external identity is per provider; SSO sessions remember their provider

- `users.external_provider` joins `external_subject`: a subject is unique per provider, not
  across all of them (two providers may hand out the same `sub`).
- `web_sessions.provider`, `provider_sid`, `provider_subject`, `id_token`: the provider's
  back-channel logout names its session (`sid`) or subject; RP-initiated logout sends the ID
  token as a hint.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_provider", sa.String(length=100), nullable=True))
        batch_op.drop_constraint("uq_users_external_subject", type_="unique")
        batch_op.create_unique_constraint(
            "uq_users_external_identity", ["external_provider", "external_subject"]
        )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("provider_sid", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("provider_subject", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("id_token", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_web_sessions_provider_sid"), ["provider_sid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_provider_sid"))
        batch_op.drop_column("id_token")
        batch_op.drop_column("provider_subject")
        batch_op.drop_column("provider_sid")
        batch_op.drop_column("provider")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_external_identity", type_="unique")
        batch_op.create_unique_constraint("uq_users_external_subject", ["external_subject"])
        batch_op.drop_column("external_provider")
