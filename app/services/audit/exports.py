"""Exports of the audit log and the pathway history, as generators of text chunks.

Rows come from server-side cursors (`yield_per`), so an export of millions of rows holds one
batch in memory; the web layer streams the chunks. Every export is itself logged (action E)
by `begin_export`, which the caller commits before the first chunk goes out.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from sqlalchemy import select

from app.engine import clock
from app.models import AuditEvent, HistoryEvent, ProcessInstance
from app.services.access.actors import Actor
from app.services.audit import activities, fhir_tasks
from app.services.audit.queries import (
    AUDIT_PURPOSE,
    SearchFilters,
    as_dict,
    filtered,
    require_auditor,
)
from app.services.audit.record import record_access

BATCH = 500
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "fhir": fhir_tasks.MEDIA_TYPE,  # R4 Bundle of AuditEvent
    "fhir-task": fhir_tasks.MEDIA_TYPE,  # R4 Bundle of Task (the inbox's tasks)
    "xes": "application/xml",
}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "fhir": "json", "fhir-task": "json", "xes": "xes"}
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
NAMESPACE = "https://zorgpad.example/fhir"


def begin_export(session, actor: Actor, fmt: str, filters: SearchFilters) -> Iterator[str]:
    """Check the role, log the export, and return the chunk generator (not yet started)."""
    require_auditor(actor)
    if fmt not in FORMATS:
        from app.services.errors import InvalidInput

        raise InvalidInput("unknown export format", errors={"format": sorted(FORMATS)})
    record_access(
        session,
        actor,
        action="E",
        object_type={"xes": "HistoryLog", "fhir-task": "HumanTask"}.get(fmt, "AuditLog"),
        event_type="audit.exported",
        purpose=AUDIT_PURPOSE,
        details={"format": fmt, "filters": filters.as_dict()},
    )
    writer = {
        "csv": csv_chunks,
        "jsonl": jsonl_chunks,
        "fhir": fhir_bundle_chunks,
        "fhir-task": fhir_tasks.task_bundle_chunks,
        "xes": xes_chunks,
    }[fmt]
    return writer(session, filters)


def _audit_rows(session, filters: SearchFilters):
    query = filtered(select(AuditEvent.__table__), session, filters).order_by(AuditEvent.seq)
    return session.execute(query.execution_options(yield_per=BATCH))


# -- CSV and JSON Lines ---------------------------------------------------------------------------
CSV_COLUMNS = [
    "seq", "eventId", "recorded", "action", "outcome", "eventType", "user", "actingFor", "role",
    "groups", "organisation", "purpose", "address", "breakGlass", "caseId", "casePseudonym",
    "processKey", "instanceId", "objectType", "objectId", "elementId", "elementName", "details",
    "redacted", "hash",
]  # fmt: skip


def csv_chunks(session, filters: SearchFilters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in _audit_rows(session, filters):
        line = as_dict(row)
        line["groups"] = ",".join(line["groups"])
        details = line["details"]
        line["details"] = json.dumps(details, ensure_ascii=False) if details is not None else ""
        writer.writerow([line[c] for c in CSV_COLUMNS])
        if buffer.tell() > 64_000:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def jsonl_chunks(session, filters: SearchFilters) -> Iterator[str]:
    for row in _audit_rows(session, filters):
        yield json.dumps(as_dict(row), ensure_ascii=False) + "\n"


# -- FHIR R4 Bundle of AuditEvent -----------------------------------------------------------------
def _event_type(row) -> dict:
    if row.event_type == "audit.exported":
        code, display = "110106", "Export"
    elif row.event_type.endswith(".searched"):
        code, display = "110112", "Query"
    elif row.case_id is None:
        code, display = "110100", "Application Activity"
    else:
        code, display = "110110", "Patient Record"
    return {"system": DICOM, "code": code, "display": display}


def fhir_audit_event(row) -> dict:
    """One audit row as a FHIR R4 AuditEvent (see docs/audit.md for the mapping)."""
    purpose = [{"text": row.purpose}] if row.purpose else []
    if row.break_glass:
        purpose.append(
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                        "code": "BTG",
                        "display": "break the glass",
                    }
                ]
            }
        )
    user = {
        "type": {"text": "user"},
        "who": {"identifier": {"system": f"{NAMESPACE}/users", "value": row.user}},
        "requestor": True,
    }
    if row.role or row.user_groups:
        user["role"] = [{"text": t} for t in (row.role, row.user_groups) if t]
    if row.address:
        user["network"] = {"address": row.address, "type": "2"}  # 2 = IP address
    if purpose:
        user["purposeOfUse"] = purpose
    agents = [user]
    if row.acting_for:
        agents.append(
            {
                "type": {"text": "responsible user acted for"},
                "who": {"identifier": {"system": f"{NAMESPACE}/users", "value": row.acting_for}},
                "requestor": False,
            }
        )
    if row.organisation:
        agents.append(
            {
                "type": {"text": "organisation"},
                "who": {"identifier": {"system": f"{NAMESPACE}/organisations", "value": row.organisation}},
                "requestor": False,
            }
        )
    entities = []
    if row.case_id:
        entities.append(
            {
                "what": {"identifier": {"system": f"{NAMESPACE}/cases", "value": row.case_pseudonym}},
                "type": _coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                "role": _coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            }
        )
    if row.object_type:
        entity = {
            "what": {
                "identifier": {"system": f"{NAMESPACE}/{row.object_type}", "value": row.object_id or "-"}
            },
            "type": _coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
            "detail": [
                {"type": "seq", "valueString": str(row.seq)},
                {"type": "hash", "valueString": row.hash},
            ],
        }
        if row.element_name or row.element_id:
            entity["name"] = row.element_name or row.element_id
        if row.details:
            entity["detail"].append({"type": "details", "valueString": json.dumps(row.details)})
        entities.append(entity)
    resource = {
        "resourceType": "AuditEvent",
        "id": str(row.event_id),
        "type": _event_type(row),
        "subtype": [{"system": f"{NAMESPACE}/audit-event-type", "code": row.event_type}],
        "action": row.action,
        "recorded": row.recorded_at.isoformat(),
        "outcome": row.outcome,
        "agent": agents,
        "source": {
            "observer": {"display": "Zorgpad"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
    }
    if purpose:
        resource["purposeOfEvent"] = purpose
    if entities:
        resource["entity"] = entities
    return resource


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def fhir_bundle_chunks(session, filters: SearchFilters) -> Iterator[str]:
    head = {
        "resourceType": "Bundle",
        "meta": {"tag": [{"system": f"{NAMESPACE}/fhir-version", "code": fhir_tasks.FHIR_VERSION}]},
        "type": "collection",
        "timestamp": clock.now().isoformat(),
    }
    yield json.dumps(head)[:-1] + ', "entry": ['
    separator = ""
    for row in _audit_rows(session, filters):
        entry = {"fullUrl": f"urn:uuid:{row.event_id}", "resource": fhir_audit_event(row)}
        yield separator + json.dumps(entry, ensure_ascii=False)
        separator = ","
    yield "]}"


# -- XES event log of the pathways (process mining) -----------------------------------------------
# history kind -> XES lifecycle:transition. Which rows are activities and in which order: see
# `activities` (engine internals and unnamed gateways are left out; a completion comes before
# the steps it caused; a fired timer is its catch event's step).
LIFECYCLE = {
    "task_created": "schedule",
    "task_claimed": "assign",
    "task_assigned": "assign",
    "task_unclaimed": "reassign",
    "task_completed": "complete",
    "task_cancelled": "withdraw",
    "step_completed": "complete",
}

XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
<global scope="event"><string key="concept:name" value="__INVALID__"/>\
<string key="lifecycle:transition" value="complete"/></global>
<classifier name="Activity" keys="concept:name"/>
<classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>
<string key="concept:name" value="Zorgpad pathways"/>
"""


def _history_rows(session, filters: SearchFilters):
    query = (
        select(HistoryEvent.__table__, ProcessInstance.process_key)
        .join(ProcessInstance, ProcessInstance.id == HistoryEvent.instance_id)
        .where(HistoryEvent.kind.in_(LIFECYCLE))
        .order_by(HistoryEvent.instance_id, HistoryEvent.id)
    )
    if filters.process_key:
        query = query.where(ProcessInstance.process_key == filters.process_key)
    if filters.since:
        query = query.where(HistoryEvent.at >= filters.since)
    if filters.until:
        query = query.where(HistoryEvent.at < filters.until)
    return session.execute(query.execution_options(yield_per=BATCH))


def _string(key: str, value) -> str:
    return f"<string key={quoteattr(key)} value={quoteattr(str(value))}/>"


def _event(name, element, resource, transition, at) -> str:
    return (
        "<event>"
        + _string("concept:name", name)
        + _string("elementId", element)
        + _string("org:resource", resource or "system")
        + _string("lifecycle:transition", transition)
        + f'<date key="time:timestamp" value={quoteattr(at.isoformat())}/>'
        + "</event>\n"
    )


def mining_events(rows) -> Iterator[tuple]:
    """(instance id, process key, name, element id, resource, transition, at) per activity event,
    in the order things happened (rows: one instance's history after another, by id)."""
    held = None  # a task_completed row, waiting for the engine's step of the same task
    for row in rows:
        if held is not None:
            completed, held = held, None
            same_task = row.kind == "step_completed" and row.task_id == completed.task_id
            at = row.at if same_task else completed.at
            yield _mined(completed, "complete", at)
            if same_task:
                continue
        element = row.element_id
        if row.kind == "task_completed":
            held = row
        elif row.kind == "step_completed":
            if activities.is_step_activity(element, row.element_type, row.element_name):
                yield _mined(row, "complete", row.at)
        elif element and not activities.is_engine_internal(element, row.element_type):
            yield _mined(row, LIFECYCLE[row.kind], row.at)
    if held is not None:
        yield _mined(held, "complete", held.at)


def _mined(row, transition: str, at) -> tuple:
    return (
        row.instance_id,
        row.process_key,
        row.element_name or row.element_id,
        row.element_id,
        row.actor,
        transition,
        at,
    )


def xes_chunks(session, filters: SearchFilters) -> Iterator[str]:
    yield XES_HEAD
    current = None
    for instance_id, process_key, name, element, resource, transition, at in mining_events(
        _history_rows(session, filters)
    ):
        if instance_id != current:
            if current is not None:
                yield "</trace>\n"
            current = instance_id
            yield "<trace>" + _string("concept:name", instance_id) + _string("process", process_key)
        yield _event(name, element, resource, transition, at)
    if current is not None:
        yield "</trace>\n"
    yield "</log>\n"
