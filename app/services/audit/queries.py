"""What auditors ask: one pathway's timeline, one resident's access list, a search.

Auditors (and admins) only. The role check comes before any lookup, so a non-auditor gets
the same 403 whether a case or instance exists or not: the answer leaks nothing. Every
answer is itself logged (an auditor's reads are client-data reads too).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.models import AuditEvent, ProcessInstance
from app.services.access.actors import Actor
from app.services.audit.record import record_access
from app.services.cases.records import find_case
from app.services.definitions.resources import bpmn_content
from app.services.errors import Forbidden, InvalidInput, NotFound

AUDIT_PURPOSE = "audit"
STATE_CHANGES = ("C", "U", "D", "E")
# SpiffWorkflow's own bookkeeping tasks: not shapes on the diagram.
ENGINE_INTERNAL = frozenset({"Start", "End"})
PATH_EVENTS = frozenset({"step.completed", "decision.evaluated", "timer.fired", "message.received"})


def require_auditor(actor: Actor) -> None:
    if not actor.has_role("auditor"):  # admins pass too (has_role)
        raise Forbidden("the audit trail is for auditors")


def as_dict(row) -> dict:
    """One audit row for the API, JSON Lines and the client view."""
    return {
        "seq": row.seq,
        "eventId": str(row.event_id),
        "recorded": row.recorded_at.isoformat(),
        "action": row.action,
        "outcome": row.outcome,
        "eventType": row.event_type,
        "user": row.user,
        "actingFor": row.acting_for,
        "role": row.role,
        "groups": row.user_groups.split(",") if row.user_groups else [],
        "organisation": row.organisation,
        "purpose": row.purpose,
        "address": row.address,
        "breakGlass": row.break_glass,
        "caseId": str(row.case_id) if row.case_id else None,
        "casePseudonym": row.case_pseudonym,
        "processKey": row.process_key,
        "instanceId": str(row.instance_id) if row.instance_id else None,
        "objectType": row.object_type,
        "objectId": row.object_id,
        "elementId": row.element_id,
        "elementName": row.element_name,
        "details": row.details,
        "redacted": row.redacted_by is not None,
        "hash": row.hash,
    }


def timeline(session, instance_id, actor: Actor) -> dict:
    """The pathway as it ran: every state change with who/when/what, and the path taken."""
    require_auditor(actor)
    instance = _instance(session, instance_id)
    record_access(
        session,
        actor,
        object_type="ProcessInstance",
        object_id=instance.id,
        instance=instance,
        event_type="audit.timeline.read",
        purpose=AUDIT_PURPOSE,
    )
    steps, path = [], []
    rows = session.execute(
        select(AuditEvent.__table__)
        .where(AuditEvent.instance_id == instance.id, AuditEvent.action.in_(STATE_CHANGES))
        .order_by(AuditEvent.seq)
    )
    for row in rows:
        steps.append(as_dict(row))
        element = row.element_id
        if (
            row.event_type in PATH_EVENTS
            and element
            and element not in ENGINE_INTERNAL
            and not element.endswith(".EndJoin")
            and element not in path
        ):
            path.append(element)
    definition = instance.definition
    return {
        "instanceId": str(instance.id),
        "processKey": instance.process_key,
        "version": definition.version,
        "definitionId": str(definition.id),
        "status": instance.status,
        "caseId": str(instance.case_id) if instance.case_id else None,
        "startedAt": instance.started_at.isoformat(),
        "endedAt": instance.ended_at.isoformat() if instance.ended_at else None,
        "completedElementIds": path,
        "steps": steps,
    }


def instance_bpmn(session, instance_id, actor: Actor) -> bytes:
    """The BPMN XML of the version an instance ran on, for the auditor's diagram (no client data)."""
    require_auditor(actor)
    content = bpmn_content(session, _instance(session, instance_id).definition)
    if content is None:
        raise NotFound("no such diagram")
    return content


def _instance(session, instance_id) -> ProcessInstance:
    try:
        key = instance_id if isinstance(instance_id, uuid.UUID) else uuid.UUID(str(instance_id))
    except ValueError:
        raise NotFound("no such process instance") from None
    instance = session.get(ProcessInstance, key)
    if instance is None:
        raise NotFound("no such process instance")
    return instance


@dataclass
class Page:
    items: list[dict]
    total: int
    page: int
    per_page: int
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        page = {"items": self.items, "total": self.total, "page": self.page, "perPage": self.per_page}
        return {**page, **self.extra}


def client_view(session, case_key: str, actor: Actor, *, page: int = 1, per_page: int = 100) -> Page:
    """Who saw or changed this resident's data: a chronological list per event (NEN 7513)."""
    require_auditor(actor)
    case = find_case(session, case_key)
    if case is None:
        raise NotFound("no such case")
    record_access(
        session,
        actor,
        object_type="Case",
        object_id=case.id,
        case_id=case.id,
        event_type="audit.client-view.read",
        purpose=AUDIT_PURPOSE,
    )
    query = select(AuditEvent.__table__).where(AuditEvent.case_id == case.id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(AuditEvent.recorded_at, AuditEvent.seq).limit(per_page).offset((page - 1) * per_page)
    )
    items = [_access_line(row) for row in rows]
    pathways = [
        {
            "instanceId": str(i.id),
            "processKey": i.process_key,
            "status": i.status,
            "startedAt": i.started_at.isoformat(),
        }
        for i in session.execute(
            select(ProcessInstance)
            .where(ProcessInstance.case_id == case.id)
            .order_by(ProcessInstance.started_at)
        ).scalars()
    ]
    extra = {"caseId": str(case.id), "pseudonym": case.pseudonym, "instances": pathways}
    return Page(items, total, page, per_page, extra)


def _access_line(row) -> dict:
    return {
        "when": row.recorded_at.isoformat(),
        "who": row.user,
        "actingFor": row.acting_for,
        "role": row.role,
        "groups": row.user_groups.split(",") if row.user_groups else [],
        "organisation": row.organisation,
        "action": row.action,
        "eventType": row.event_type,
        "data": {"type": row.object_type, "id": row.object_id, "element": row.element_name},
        "purpose": row.purpose,
        "breakGlass": row.break_glass,
        "outcome": row.outcome,
        "eventId": str(row.event_id),
    }


@dataclass
class SearchFilters:
    user: str | None = None
    organisation: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    process_key: str | None = None
    action: str | None = None
    event_type: str | None = None
    case: str | None = None

    def as_dict(self) -> dict:
        items = vars(self).items()
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in items if v is not None}


def filtered(query, session, filters: SearchFilters):
    if filters.action and filters.action not in ("C", "R", "U", "D", "E"):
        raise InvalidInput("unknown action", errors={"action": ["one of C, R, U, D, E"]})
    if filters.user:
        query = query.where(AuditEvent.user == filters.user)
    if filters.organisation:
        query = query.where(AuditEvent.organisation == filters.organisation)
    if filters.since:
        query = query.where(AuditEvent.recorded_at >= filters.since)
    if filters.until:
        query = query.where(AuditEvent.recorded_at < filters.until)
    if filters.process_key:
        query = query.where(AuditEvent.process_key == filters.process_key)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.event_type:
        query = query.where(AuditEvent.event_type == filters.event_type)
    if filters.case:
        case = find_case(session, filters.case)
        query = query.where(AuditEvent.case_id == (case.id if case else None))
    return query


def search(session, actor: Actor, filters: SearchFilters, *, page: int = 1, per_page: int = 50) -> Page:
    require_auditor(actor)
    record_access(
        session,
        actor,
        action="E",
        object_type="AuditLog",
        event_type="audit.searched",
        purpose=AUDIT_PURPOSE,
        details={"filters": filters.as_dict(), "page": page},
    )
    query = filtered(select(AuditEvent.__table__), session, filters)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(AuditEvent.seq).limit(per_page).offset((page - 1) * per_page))
    return Page([as_dict(r) for r in rows], total, page, per_page)
