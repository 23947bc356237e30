"""Who works in the network: organisations, their groups (a lane/role), users, API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import JsonDoc, UTCDateTime

from ..extensions import db

# `system` is for outside systems (a GP system, the crisis service) that only send messages;
# see services.identity.actor_for for why it never becomes the engine's own system role.
# `network-coordinator`: the learning network's coordinator, who reads the pathway figures.
ROLES = ("professional", "process-owner", "network-coordinator", "auditor", "admin", "system")


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Social or medical domain: consent rules differ for sharing across them.
    domain: Mapped[str | None] = mapped_column(String(20))


class Group(db.Model):
    """A role within an organisation; its key is the lane name used in the diagrams."""

    __tablename__ = "groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    # Groups that must never see case data (e.g. the insurer: aggregates only).
    sees_case_data: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation | None] = relationship()


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("external_provider", "external_subject", name="uq_users_external_identity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    roles: Mapped[list] = mapped_column(JsonDoc, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The OpenID Connect provider (its key in the provider file) and subject (its `sub` or `oid`
    # claim, per provider) this user logs in with; unique together.
    external_provider: Mapped[str | None] = mapped_column(String(100))
    external_subject: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "group_id", name="uq_memberships_user_group"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    group: Mapped[Group] = relationship()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class WebSession(db.Model):
    """A logged-in browser. The cookie holds a random secret; only its SHA-256 is stored here.

    Kept in the database so every node and worker agrees at once: a session that is ended
    (logout, password change, deactivation, revocation) or timed out is refused everywhere.
    """

    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # logout, password, deactivated, revoked, idle, expired, provider-logout
    end_reason: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(100))
    # Sessions begun by single sign-on: the provider, its session id (`sid`) and subject (for its
    # back-channel logout) and the ID token (the hint for RP-initiated logout).
    provider: Mapped[str | None] = mapped_column(String(100))
    provider_sid: Mapped[str | None] = mapped_column(String(300), index=True)
    provider_subject: Mapped[str | None] = mapped_column(String(300))
    id_token: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed (or running) web login, counted per user name and per address by every node."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
