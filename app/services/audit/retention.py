"""Retention: pseudonymise the personal data of long-closed cases, keep the audit trail whole.

A case qualifies when it was closed (`cases.closed_at`), or all its pathway instances ended,
before the cut-off. Its display name, task data and drafts, history data values, engine state
variables and message payloads are replaced by a marker; the structure (field names, element
and rule ids) stays, so the pathway timeline still shows the path. Audit rows are never
deleted: only their `details` (and salt) are erased, which the chain allows because it
covers a salted digest of the details, not the details themselves; `redacted_by` names this
job's own audit event, which `verify` checks. On PostgreSQL the service's role may not UPDATE
audit rows at all: the erasure goes through the database function
`zorgpad_erase_audit_details` (migration 0009), which checks the cut-off and the case itself.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, null, select, update

from app.engine import clock
from app.models import AuditEvent, Case, HistoryEvent, HumanTask, Message, ProcessInstance
from app.services.access.actors import SYSTEM
from app.services.audit.record import record
from app.services.errors import InvalidInput
from app.services.unit_of_work import unit_of_work

REMOVED = "[verwijderd]"
PSEUDONYMISED_NAME = "(gepseudonimiseerd)"
# NEN 7513: the log, and what it says, is kept at least five years.
MINIMUM = "P5Y"
# Values under these keys describe the pathway, not the resident: they stay.
STRUCTURAL_KEYS = frozenset(
    {
        "candidateGroups", "dueAt", "version", "message", "messageId", "fields", "decisionId",
        "decisionName", "hitPolicy", "aggregation", "id", "label", "expression", "row", "annotation",
        "applied",
    }
)  # fmt: skip
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def cutoff(older_than: str, now: datetime) -> datetime:
    """`now` minus an ISO 8601 duration of years, months, weeks and days (e.g. P5Y, P18M)."""
    match = _DURATION.match(older_than or "")
    if not match or not any(match.groups()):
        raise InvalidInput("not an ISO 8601 duration like P5Y", errors={"olderThan": [older_than]})
    years, months, weeks, days = (int(g or 0) for g in match.groups())
    total_months = now.year * 12 + now.month - 1 - years * 12 - months
    year, month = divmod(total_months, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])  # 29 Feb minus a year: 28 Feb
    return now.replace(year=year, month=month + 1, day=day) - timedelta(weeks=weeks, days=days)


def scrub(value, key: str | None = None):
    """The same structure with every personal leaf value replaced by a marker."""
    if key in STRUCTURAL_KEYS:
        return value
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return None if value is None else REMOVED


@dataclass
class RetentionReport:
    cutoff: datetime
    dry_run: bool
    cases: list[str] = field(default_factory=list)
    audit_rows_redacted: int = 0


def eligible_cases(session, before: datetime) -> list[Case]:
    ended = (
        select(ProcessInstance.case_id)
        .group_by(ProcessInstance.case_id)
        .having(func.count(ProcessInstance.ended_at) == func.count())  # every instance ended
        .having(func.max(ProcessInstance.ended_at) < before)
    )
    running = select(ProcessInstance.case_id).where(ProcessInstance.ended_at.is_(None))
    query = (
        select(Case)
        .where(Case.display_name != PSEUDONYMISED_NAME)
        .where((Case.closed_at < before) | Case.id.in_(ended))
        .where(Case.id.not_in(running.where(ProcessInstance.case_id.is_not(None))))
        .order_by(Case.created_at)
    )
    return list(session.execute(query).scalars())


def run_retention(older_than: str, *, dry_run: bool = False, actor=SYSTEM) -> RetentionReport:
    now = clock.now()
    before = cutoff(older_than, now)
    if before > cutoff(MINIMUM, now):
        raise InvalidInput(
            "audit details are kept at least five years (NEN 7513)", errors={"olderThan": [older_than]}
        )
    with unit_of_work() as session:
        case_ids = [c.id for c in eligible_cases(session, before)]
    report = RetentionReport(cutoff=before, dry_run=dry_run, cases=[str(c) for c in case_ids])
    if dry_run:
        return report
    for case_id in case_ids:  # one transaction per case: a failure leaves the others done
        with unit_of_work() as session:
            case = session.get(Case, case_id)
            report.audit_rows_redacted += _pseudonymise(session, case, older_than, before, actor)
    return report


def _pseudonymise(session, case: Case, older_than: str, before: datetime, actor) -> int:
    case.display_name = PSEUDONYMISED_NAME
    instances = list(
        session.execute(select(ProcessInstance).where(ProcessInstance.case_id == case.id)).scalars()
    )
    for task in session.execute(select(HumanTask).where(HumanTask.case_id == case.id)).scalars():
        task.data = scrub(task.data) if task.data is not None else None
        task.draft = None
    for event in session.execute(select(HistoryEvent).where(HistoryEvent.case_id == case.id)).scalars():
        if event.data:
            event.data = scrub(event.data)
    for instance in instances:
        instance.state = _scrub_state(instance.state)
    instance_ids = [i.id for i in instances]
    if instance_ids:
        for message in session.execute(
            select(Message).where(
                Message.source_instance_id.in_(instance_ids) | Message.target_instance_id.in_(instance_ids)
            )
        ).scalars():
            message.payload = scrub(message.payload)
    retention_event = record(
        session,
        actor,
        action="U",
        event_type="retention.pseudonymised",
        object_type="Case",
        object_id=case.id,
        case_id=case.id,
        details={"olderThan": older_than, "instances": [str(i) for i in instance_ids]},
    )
    return _erase_audit_details(session, case.id, retention_event.event_id, before)


def _erase_audit_details(session, case_id, redacted_by, before: datetime) -> int:
    """Erase the details of the case's audit rows and name the erasing event."""
    if session.get_bind().dialect.name == "postgresql":
        # The only way the runtime role can change an audit row (migration 0009): the function
        # checks the cut-off (five years at least) and that the case closed before it.
        erase = func.zorgpad_erase_audit_details(case_id, redacted_by, before)
        return int(session.execute(select(erase)).scalar_one())
    erased = session.execute(
        update(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.redacted_by.is_(None))
        .values(details=null(), details_salt=None, redacted_by=redacted_by)
        .execution_options(synchronize_session=False)
    )
    return erased.rowcount


def _scrub_state(state: dict) -> dict:
    """Engine state with every task's and workflow's variables scrubbed (ended instances only)."""
    if not isinstance(state, dict) or "workflow" not in state:
        return state

    def scrub_workflow(wf: dict) -> dict:
        wf = dict(wf)
        wf["data"] = scrub(wf.get("data") or {})
        # SpiffWorkflow keeps a task's variables in "data" and its changes in "delta".
        tasks = wf.get("tasks", {}).items()
        wf["tasks"] = {
            tid: {**t, "data": scrub(t.get("data") or {}), "delta": scrub(t.get("delta") or {})}
            for tid, t in tasks
        }
        if "subprocesses" in wf:
            wf["subprocesses"] = {k: scrub_workflow(v) for k, v in wf["subprocesses"].items()}
        return wf

    return {**state, "workflow": scrub_workflow(state["workflow"])}
