"""The inbox's tasks as FHIR R4 `Task` resources, beside the AuditEvent export (docs/audit.md).

Mapping (../shared/domain.md): status requested → accepted on claim → in-progress (work saved
as a draft) → completed / cancelled; due date → `restriction.period.end`; urgency 1 h / 4 h /
24 h / regular (priority 100 / 90 / 75 / other) → `priority` stat / asap / urgent / routine; the
pathway instance → `groupIdentifier`. The resident is named by the case's pseudonym only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select

from app.engine import clock
from app.models import Case, HumanTask, ProcessDefinition, ProcessInstance
from app.services.cases.records import find_case

NAMESPACE = "https://zorgpad.example/fhir"
FHIR_VERSION = "4.0.1"
# The FHIR version a client must read these as, in the MIME type (FHIR R4 §3.1.0.1.9: "fhirVersion").
MEDIA_TYPE = "application/fhir+json; fhirVersion=4.0"
BATCH = 500


def task_status(row) -> str:
    if row.status == "completed":
        return "completed"
    if row.status == "cancelled":
        return "cancelled"
    if row.assignee:
        return "in-progress" if row.draft else "accepted"
    return "requested"


def task_priority(priority: int | None) -> str:
    value = priority or 0
    if value >= 100:
        return "stat"  # crisis, within 1 hour
    if value >= 90:
        return "asap"  # within 4 hours
    if value >= 75:
        return "urgent"  # within 24 hours
    return "routine"


def _identifier(kind: str, value) -> dict:
    return {"system": f"{NAMESPACE}/{kind}", "value": str(value)}


def fhir_task(row) -> dict:
    """One `human_tasks` row (with its process key, version and case pseudonym) as a FHIR Task."""
    changed = max(t for t in (row.created_at, row.claimed_at, row.completed_at) if t is not None)
    resource = {
        "resourceType": "Task",
        "id": str(row.id),
        "meta": {"lastUpdated": changed.isoformat()},
        "identifier": [_identifier("tasks", row.id)],
        "instantiatesUri": f"{NAMESPACE}/process-definitions/{row.process_key}/{row.version}"
        f"#{row.element_id}",
        "groupIdentifier": _identifier("process-instances", row.instance_id),
        "status": task_status(row),
        "intent": "order",
        "priority": task_priority(row.priority),
        "code": {
            "coding": [
                {
                    "system": f"{NAMESPACE}/process-definitions/{row.process_key}",
                    "code": row.element_id,
                    "display": row.name,
                }
            ],
            "text": row.name,
        },
        "description": row.name,
        "authoredOn": row.created_at.isoformat(),
        "lastModified": changed.isoformat(),
    }
    if row.pseudonym:
        resource["for"] = {"identifier": _identifier("cases", row.pseudonym)}
    if row.claimed_at or row.completed_at:
        period = {"start": (row.claimed_at or row.completed_at).isoformat()}
        if row.completed_at and row.status == "completed":
            period["end"] = row.completed_at.isoformat()
        resource["executionPeriod"] = period
    if row.due_at:
        resource["restriction"] = {"period": {"end": row.due_at.isoformat()}}
    if row.assignee:
        resource["owner"] = {"identifier": _identifier("users", row.assignee)}
    groups = list(row.candidate_groups or [])
    if groups:
        resource["performerType"] = [
            {"coding": [{"system": f"{NAMESPACE}/groups", "code": group}], "text": group} for group in groups
        ]
    return resource


def _task_rows(session, filters) -> Iterator:
    query = (
        select(
            HumanTask.id,
            HumanTask.instance_id,
            HumanTask.element_id,
            HumanTask.name,
            HumanTask.status,
            HumanTask.assignee,
            HumanTask.priority,
            HumanTask.due_at,
            HumanTask.created_at,
            HumanTask.claimed_at,
            HumanTask.completed_at,
            HumanTask.candidate_groups,
            (HumanTask.draft.is_not(None)).label("draft"),
            ProcessInstance.process_key,
            ProcessDefinition.version,
            Case.pseudonym,
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Case, Case.id == HumanTask.case_id)
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    if filters.process_key:
        query = query.where(ProcessInstance.process_key == filters.process_key)
    if filters.since:
        query = query.where(HumanTask.created_at >= filters.since)
    if filters.until:
        query = query.where(HumanTask.created_at < filters.until)
    if filters.case:
        case = find_case(session, filters.case)
        query = query.where(HumanTask.case_id == (case.id if case else None))
    return session.execute(query.execution_options(yield_per=BATCH))


def task_bundle_chunks(session, filters) -> Iterator[str]:
    """A FHIR R4 Bundle (collection) of Task, streamed from a server-side cursor."""
    head = {
        "resourceType": "Bundle",
        "meta": {"tag": [{"system": f"{NAMESPACE}/fhir-version", "code": FHIR_VERSION}]},
        "type": "collection",
        "timestamp": clock.now().isoformat(),
    }
    yield json.dumps(head)[:-1] + ', "entry": ['
    separator = ""
    for row in _task_rows(session, filters):
        entry = {"fullUrl": f"urn:uuid:{row.id}", "resource": fhir_task(row)}
        yield separator + json.dumps(entry, ensure_ascii=False)
        separator = ","
    yield "]}"
