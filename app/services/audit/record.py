"""Building audit rows: from history events (state changes) and from reads, searches, exports.

Rows are collected on the session and chained at commit (`chain.append`, hooked in
`install`), so they are written in the same transaction as the change they describe: a rolled
back change leaves no audit row, and a committed one always has its row.
"""

from __future__ import annotations

import uuid

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.engine import clock
from app.models import Case, HumanTask, candidate_rows, history_log
from app.models.pipeline import flush_needs_no_answer, inserts_need_no_answer, pipelined, planned_updates
from app.services.access.actors import Actor
from app.services.audit import chain

PENDING = "audit_pending"
LAST_ACTOR = "audit_last_actor"
SUCCESS = "0"
SERIOUS_FAILURE = "8"
BREAK_GLASS_PURPOSES = frozenset({"break-glass", "breakglass", "emergency", "noodtoegang"})

# history kind -> (NEN 7513 / FHIR action, audit event type, data object type)
HISTORY_KINDS = {
    "instance_started": ("C", "instance.started", "ProcessInstance"),
    "instance_completed": ("U", "instance.completed", "ProcessInstance"),
    "instance_cancelled": ("U", "instance.cancelled", "ProcessInstance"),
    "instance_migrated": ("U", "instance.migrated", "ProcessInstance"),
    "incident": ("E", "instance.incident", "ProcessInstance"),
    "task_created": ("C", "task.created", "HumanTask"),
    "task_claimed": ("U", "task.claimed", "HumanTask"),
    "task_unclaimed": ("U", "task.unclaimed", "HumanTask"),
    "task_assigned": ("U", "task.assigned", "HumanTask"),
    "task_completed": ("U", "task.completed", "HumanTask"),
    "task_cancelled": ("U", "task.cancelled", "HumanTask"),
    "step_completed": ("E", "step.completed", "ProcessInstance"),
    "timer_fired": ("E", "timer.fired", "Timer"),
    "message_sent": ("C", "message.sent", "Message"),
    "message_received": ("U", "message.received", "ProcessInstance"),
}
CHANGING_ACTIONS = frozenset({"C", "U", "D"})
EVENT_NOUNS = {"HumanTask": "task", "ProcessInstance": "instance", "Case": "case", "AuditLog": "audit"}


def record(
    session,
    actor: Actor | None,
    *,
    action: str,
    event_type: str,
    object_type: str | None = None,
    object_id=None,
    case_id=None,
    instance=None,
    element_id: str | None = None,
    element_name: str | None = None,
    details: dict | None = None,
    outcome: str = SUCCESS,
    purpose: str | None = None,
    acting_for: str | None = None,
    at=None,
) -> chain.PendingRow:
    """Queue one audit row for this transaction's commit."""
    if instance is not None and case_id is None:
        case_id = instance.case_id
    stored = chain.storable_details(details)
    salt = chain.new_salt()
    row = chain.PendingRow(
        event_id=uuid.uuid4(),
        recorded_at=at or clock.now(),
        action=action,
        outcome=outcome,
        event_type=event_type,
        user=actor.username if actor else "system",
        acting_for=acting_for or (actor.acting_for if actor else None),
        role=",".join(sorted(actor.roles)) if actor and actor.roles else None,
        user_groups=",".join(sorted(actor.groups))[:1000] if actor and actor.groups else None,
        organisation=actor.organisation if actor else None,
        purpose=purpose or (actor.purpose if actor else None),
        address=actor.address if actor else None,
        break_glass=is_break_glass(actor),
        case_id=case_id,
        case_pseudonym=_pseudonym(session, case_id, instance),
        process_key=instance.process_key if instance is not None else None,
        instance_id=instance.id if instance is not None else None,
        object_type=object_type,
        object_id=str(object_id)[:200] if object_id is not None else None,
        element_id=element_id,
        element_name=element_name,
        details=stored,
        details_salt=salt,
        details_digest=chain.details_digest(salt, stored),
    )
    session.info.setdefault(PENDING, []).append(row)
    return row


def is_break_glass(actor: Actor | None) -> bool:
    if actor is None:
        return False
    return bool(getattr(actor, "break_glass", False)) or (actor.purpose or "").lower() in BREAK_GLASS_PURPOSES


def _pseudonym(session, case_id, instance=None) -> str | None:
    if case_id is None:
        return None
    # Through the relationship first: loaded once and then held by the instance, whereas the
    # session's identity map is weak and may have let the case go (a query per row).
    case = instance.case if instance is not None and instance.case_id == case_id else None
    if case is None:
        case = session.get(Case, case_id)
    return case.pseudonym if case is not None else None


def record_history(session, instance, history_event, actor: Actor | None) -> None:
    """The audit row of one history event (every state change of an instance passes here)."""
    kind = history_event.kind
    action, event_type, object_type = HISTORY_KINDS.get(
        kind, ("U", kind.replace("_", "."), "ProcessInstance")
    )
    details = dict(history_event.data or {})
    object_id = history_event.task_id if object_type in ("HumanTask", "Timer") else instance.id
    if kind == "task_completed" and history_event.task_id is not None:
        task = session.get(HumanTask, history_event.task_id)
        if task is not None and task.data is not None:
            details["data"] = task.data  # NEN 7513 "which data": the values this completion set
    decision = details.get("decision") if kind == "step_completed" else None
    if decision:
        event_type, object_type = "decision.evaluated", "Decision"
        object_id = decision.get("decisionId") or history_event.element_id
    if kind == "message_sent":
        object_id = details.get("message") or history_event.element_name
    acting_for = None
    if actor is not None and not actor.has_role("system"):
        session.info[LAST_ACTOR] = actor.username
    elif actor is None:
        # An engine step runs because of the transaction's human action: it acts for that user.
        acting_for = session.info.get(LAST_ACTOR)
    record(
        session,
        actor,
        action=action,
        event_type=event_type,
        object_type=object_type,
        object_id=object_id,
        instance=instance,
        element_id=history_event.element_id,
        element_name=history_event.element_name,
        details=details,
        outcome=SERIOUS_FAILURE if kind == "incident" else SUCCESS,
        acting_for=acting_for,
        at=history_event.at,
    )


def record_access(
    session,
    actor: Actor,
    *,
    action: str = "R",
    object_type: str,
    object_id=None,
    case_id=None,
    instance=None,
    event_type: str | None = None,
    purpose: str | None = None,
    details: dict | None = None,
) -> chain.PendingRow:
    """Log a read (R) or a search/export (E) of client data.

    Committed with the caller's transaction; a read-only API request commits it after the
    response is built (`app/api/audit.py`), so reads are logged without a unit of work.
    """
    if action not in ("R", "E"):
        raise ValueError("record_access logs reads (R) and searches/exports (E)")
    if event_type is None:
        noun = EVENT_NOUNS.get(object_type, object_type.lower())
        event_type = f"{noun}.{'read' if action == 'R' else 'searched'}"
    return record(
        session,
        actor,
        action=action,
        event_type=event_type,
        object_type=object_type,
        object_id=object_id,
        case_id=case_id,
        instance=instance,
        details=details,
        purpose=purpose,
    )


def record_search(
    session, actor: Actor, object_type: str, shown, *, event_noun: str | None = None, **search
) -> None:
    """A search or listing: one E row for the search, one R row per resident whose records it showed.

    `shown` holds (case id, object id, name) of each record on the page; `event_noun` names the
    events when the list is not the object type's own (incidents are process instances).
    """
    noun = event_noun or EVENT_NOUNS[object_type]
    record_access(
        session,
        actor,
        action="E",
        object_type=object_type,
        event_type=f"{noun}.searched",
        details={"filters": {k: v for k, v in search.items() if v is not None}, "shown": len(shown)},
    )
    by_case: dict = {}
    for case_id, object_id, name in shown:
        by_case.setdefault(case_id, []).append((object_id, name))
    # One query loads every shown case into the session (held here: the identity map is weak),
    # so the rows below find their pseudonyms without a query each.
    ids = [case_id for case_id in by_case if case_id is not None]
    loaded = session.execute(select(Case).where(Case.id.in_(ids))).scalars().all() if ids else []
    for case_id, records in by_case.items():
        record_access(
            session,
            actor,
            object_type=object_type,
            object_id=",".join(str(object_id) for object_id, _ in records),
            case_id=case_id,
            event_type=f"{noun}.listed",
            details={f"{noun}s": [{"id": str(object_id), "name": name} for object_id, name in records]},
        )
    del loaded


def record_task_reads(session, actor: Actor, tasks, **search) -> None:
    """An inbox search: one E row for the search, one R row per resident whose tasks it showed."""
    record_search(session, actor, "HumanTask", [(t.case_id, t.id, t.name) for t in tasks], **search)


def pending(session) -> list[chain.PendingRow]:
    return session.info.get(PENDING, [])


def _without_redundant_reads(rows: list[chain.PendingRow]) -> list[chain.PendingRow]:
    # A claim or completion first reads its task; the change row already says who touched it.
    changed = {(r.user, r.object_type, r.object_id) for r in rows if r.action in CHANGING_ACTIONS}
    return [
        r
        for r in rows
        if not (r.action == "R" and (r.user, r.object_type, r.object_id) in changed)
    ]


def _before_commit(session) -> None:
    """The unit of work's append-only rows, then the chain, then COMMIT (pipelined where possible)."""
    rows = session.info.pop(PENDING, None)
    if not rows and not history_log.pending(session) and not candidate_rows.pending(session):
        return  # nothing of ours to write: the session commits as usual
    # The ORM's rows first: the appended rows refer to them.
    # UPDATEs go in the pipeline where `planned_updates` can send them, and then so does the
    # flush of new rows with known keys; otherwise the ORM flushes first, waiting per statement.
    updates = planned_updates(session)
    flush_in_pipeline = (
        flush_needs_no_answer(session) if updates is None else inserts_need_no_answer(session)
    )
    if not flush_in_pipeline:
        session.flush()
    with pipelined(session) as batch:
        if flush_in_pipeline:
            if updates:
                batch.stage(updates)
                batch.send_staged(first=True)
            session.flush()
            if updates:
                batch.send_staged()
        candidate_rows.write_pending(session)
        history_log.write_pending(session)  # before the chain: it is the transaction's last write
        if rows:
            chain.append(session, _without_redundant_reads(rows), batch)
        batch.commit()


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(PENDING, None)
        session.info.pop(LAST_ACTOR, None)
        history_log.discard(session)
        candidate_rows.discard(session)


_installed = False


def install() -> None:
    """Hook the chain into every ORM session's commit (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed = True
