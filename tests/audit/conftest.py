"""Audit-test helpers: a small pathway with a decision, actors, and an attacker's connection."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.models import AuditEvent, HumanTask
from app.services.instances import lifecycle as instances
from app.services.tasks import actions as tasks
from tests.support import make_actor

FIXTURES = Path(__file__).parent / "fixtures"
ANNA = make_actor("anna", ["wijkteam-triage"]).with_context(
    organisation="wijkteam-noord", purpose="care", address="10.0.0.7"
)
AUDREY = make_actor("audrey", [], roles=("auditor",)).with_context(organisation="kwaliteit", purpose="audit")


@pytest.fixture
def pathway(deploy, clock):
    """Deploy the decision pathway; returns a function that runs one instance to its route."""
    deploy(files={p.name: p.read_bytes() for p in FIXTURES.iterdir() if p.is_file()})

    def run(scores=(3, 1, 4), fact=False, name="Mw. Jansen"):
        instance = instances.start_instance("beslissing", actor=ANNA, subject={"displayName": name})
        task = open_task(instance.id)
        tasks.complete(task.id, {"scores": list(scores), "bekend_bij_fact": fact}, actor=ANNA)
        return instance

    return run


def open_task(instance_id) -> HumanTask:
    from app.extensions import db

    return db.session.execute(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    ).scalar_one()


def audit_rows(db, **where) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


@contextlib.contextmanager
def attacker(db):
    """A connection with direct database access; on PostgreSQL it bypasses the trigger as a
    superuser would (session_replication_role = replica disables ordinary triggers)."""
    from tests.support import owner_engine

    with owner_engine(db).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn
