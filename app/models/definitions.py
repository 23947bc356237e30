"""Deployed artefacts: content-addressed resources and versioned process definitions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import JsonDoc, UTCDateTime

from ..extensions import db


class Resource(db.Model):
    """A deployed file's bytes, stored once per (SHA-256 of content, file name)."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("hash", "name", name="uq_resources_hash_name"),
        Index("ix_resources_kind_name", "kind", "name", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn | form
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Deployment(db.Model):
    __tablename__ = "deployments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # cli | api | web
    deployed_by: Mapped[str | None] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{"name": "triage.bpmn", "hash": "...", "kind": "bpmn"}]
    files: Mapped[list] = mapped_column(JsonDoc)


class ProcessDefinition(db.Model):
    """One version of one executable process (its BPMN process id is the key)."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_process_definitions_key_version"),
        UniqueConstraint("key", "content_hash", name="uq_process_definitions_key_hash"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    # SpiffWorkflow's serialised spec and subprocess specs, stored once per version. Deferred:
    # the engine keeps restored specs in memory per version, so most steps never read it.
    spec: Mapped[dict] = mapped_column(JsonDoc, deferred=True)
    # What the service needs without the engine: user-task metadata, forms, messages, lanes.
    meta: Mapped[dict] = mapped_column(JsonDoc)
    bpmn_hash: Mapped[str] = mapped_column(String(64))
    bpmn_name: Mapped[str] = mapped_column(String(200))
    deployment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deployments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    deployment: Mapped[Deployment] = relationship()
