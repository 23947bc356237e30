"""Which pathway instances a caller sees, and how much of them.

Rules (docs/api.md, "Who sees what"):
- professionals see an instance if one of their groups is a lane of its pathway, if a task of
  it is (or was) theirs or their group's, if they started it, or if they acted in it; case data
  (resident, business key, variables) only through a group that sees case data;
- the insurer's group sees instances only through its own tasks, never their case data;
- process owners see every instance's state, never its case data;
- auditors and admins see everything (auditors read only).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import case, exists, false, func, or_, select, true
from sqlalchemy.orm import scoped_session

from app.engine import EngineError
from app.models import Case, HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, TaskCandidate
from app.services import audit
from app.services.access.actors import Actor
from app.services.errors import Forbidden, NotFound
from app.services.instances.creation import get_instance
from app.services.instances.runs import load_run
from app.services.tasks.queries import MAX_PAGE_SIZE, sees_everything

log = logging.getLogger(__name__)


# Lanes per definition version: a version never changes, so its lanes are read from the database once.
_LANES: dict[uuid.UUID, frozenset[str]] = {}


def _lane_definitions(session, groups: frozenset[str]) -> list:
    if not groups:
        return []
    ids = _definition_ids(session)
    missing = [id_ for id_ in ids if id_ not in _LANES]
    if missing:
        for id_, meta in session.execute(
            select(ProcessDefinition.id, ProcessDefinition.meta).where(ProcessDefinition.id.in_(missing))
        ):
            _LANES[id_] = frozenset(meta.get("lanes") or [])
    return [id_ for id_ in ids if _LANES[id_] & groups]


def _definition_ids(session) -> list:
    """All definition ids, read once per transaction (one answer asks for them twice)."""
    real = session() if isinstance(session, scoped_session) else session
    cached = session.info.get("definition_ids")
    if cached is not None and cached[0] is not None and cached[0] is real.get_transaction():
        return cached[1]
    ids = session.execute(select(ProcessDefinition.id)).scalars().all()
    session.info["definition_ids"] = (real.get_transaction(), ids)  # the query began it
    return ids


def _involved(session, actor: Actor, groups: frozenset[str], *, via_assignee: bool):
    candidate = [TaskCandidate.user_name == actor.username]
    if groups:
        candidate.append(TaskCandidate.group_name.in_(sorted(groups)))
    task_of_mine = exists().where(
        HumanTask.instance_id == ProcessInstance.id,
        or_(
            HumanTask.assignee == actor.username if via_assignee else false(),
            exists().where(TaskCandidate.task_id == HumanTask.id, or_(*candidate)),
        ),
    )
    conditions = [
        ProcessInstance.started_by == actor.username,
        task_of_mine,
        exists().where(HistoryEvent.instance_id == ProcessInstance.id, HistoryEvent.actor == actor.username),
    ]
    lanes = _lane_definitions(session, groups)
    if lanes:
        conditions.append(ProcessInstance.definition_id.in_(lanes))
    return or_(*conditions)


def visible_to(session, actor: Actor):
    if sees_everything(actor) or actor.has_role("process-owner"):
        return true()
    if not actor.has_role("professional"):
        return false()
    # Lanes count only for groups that see case data: the insurer sees its own tasks' instances.
    return or_(
        _involved(session, actor, actor.case_data_groups, via_assignee=True),
        _involved(session, actor, actor.groups, via_assignee=True) if actor.blind_groups else false(),
    )


def case_visible_to(session, actor: Actor):
    if sees_everything(actor):
        return true()
    if not actor.has_role("professional"):
        return false()
    # Assignment alone is not enough (an insurer may hold a task); started/acted in is.
    return _involved(session, actor, actor.case_data_groups, via_assignee=not actor.blind_groups)


@dataclass
class InstanceFilter:
    process_key: str | None = None
    status: str | None = None
    case: str | None = None  # case id or pseudonym
    business_key: str | None = None
    page: int = 1
    per_page: int = 50


def _columns(session, actor: Actor):
    sees_case = case((case_visible_to(session, actor), true()), else_=false()).label("sees_case")
    return (
        select(ProcessInstance, ProcessDefinition.version, ProcessDefinition.name, Case, sees_case)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Case, Case.id == ProcessInstance.case_id)
    )


def list_instances(session, actor: Actor, f: InstanceFilter) -> tuple[list[dict], int]:
    where = [visible_to(session, actor)]
    if f.process_key:
        where.append(ProcessInstance.process_key == f.process_key)
    if f.status:
        where.append(ProcessInstance.status == f.status)
    if f.case or f.business_key:
        where.append(case_visible_to(session, actor))
    if f.case:
        where.append(_case_matches(f.case))
    if f.business_key:
        where.append(ProcessInstance.business_key == f.business_key)
    per_page = min(max(f.per_page, 1), MAX_PAGE_SIZE)
    total = session.execute(
        select(func.count())
        .select_from(ProcessInstance)
        .outerjoin(Case, Case.id == ProcessInstance.case_id)
        .where(*where)
    ).scalar_one()
    rows = session.execute(
        _columns(session, actor)
        .where(*where)
        .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc())
        .limit(per_page)
        .offset((f.page - 1) * per_page)
    ).all()
    audit.record_search(
        session,
        actor,
        "ProcessInstance",
        [(i.case_id, i.id, n) for i, _, n, _, _ in rows],
        processKey=f.process_key,
        status=f.status,
        case=f.case,
        businessKey=f.business_key,
        page=f.page,
    )
    return [_summary(i, v, n, c, bool(s)) for i, v, n, c, s in rows], total


def _case_matches(key: str):
    try:
        return Case.id == uuid.UUID(key)
    except ValueError:
        return Case.pseudonym == key


def instance_variables(instance: ProcessInstance) -> dict | None:
    """The instance's current variables, read from its engine state."""
    if not instance.state:
        return None
    try:
        return load_run(instance).data
    except EngineError as exc:
        log.warning("cannot read variables of instance %s: %s", instance.id, exc.message)
        return None


def _summary(instance, version, name, case_row, sees_case: bool) -> dict:
    return {
        "id": instance.id,
        "processKey": instance.process_key,
        "processName": name,
        "version": version,
        "status": instance.status,
        "caseId": instance.case_id if sees_case else None,
        "businessKey": instance.business_key if sees_case else None,
        "subject": (
            {"pseudonym": case_row.pseudonym, "displayName": case_row.display_name}
            if sees_case and case_row is not None
            else None
        ),
        "startedAt": instance.started_at,
        "startedBy": instance.started_by,
        "endedAt": instance.ended_at,
        "nextTimerAt": instance.next_timer_at,
        "error": instance.error,
        "caseData": sees_case,
    }


def _visible_row(session, instance_id, actor: Actor):
    """(row, sees case) or 404 when the caller may not see the instance at all."""
    instance = get_instance(session, instance_id)
    row = session.execute(
        _columns(session, actor).where(ProcessInstance.id == instance.id, visible_to(session, actor))
    ).first()
    if row is None:
        raise NotFound("no such process instance")
    return row


def instance_detail(session, instance_id, actor: Actor, *, log_read: bool = True) -> dict:
    """What the caller may see of one instance; the read is audit-logged (`log_read=False` only
    where the same request already logged a change of the instance)."""
    instance, version, name, case_row, sees_case = _visible_row(session, instance_id, actor)
    if log_read:
        audit.record_access(
            session,
            actor,
            object_type="ProcessInstance",
            object_id=instance.id,
            instance=instance,
            details={"caseData": bool(sees_case)},
        )
    open_tasks = session.execute(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        .order_by(HumanTask.created_at, HumanTask.id)
    ).scalars()
    return _detail(instance, version, name, case_row, bool(sees_case), open_tasks)


def started_detail(session, instance: ProcessInstance, actor: Actor) -> dict:
    """The starter's answer for an instance they just started.

    From what the start holds in memory when it can (`instance.started_tasks`): the starter is
    involved by definition (`started_by`), so the rules above reduce to their roles.
    """
    if instance.started_tasks is None:
        return instance_detail(session, instance.id, actor, log_read=False)  # the start's row says it
    if not (sees_everything(actor) or actor.has_role("process-owner") or actor.has_role("professional")):
        raise NotFound("no such process instance")
    sees_case = sees_everything(actor) or actor.has_role("professional")
    definition = instance.definition
    tasks = sorted(instance.started_tasks, key=lambda t: (t.created_at, t.id))
    return _detail(instance, definition.version, definition.name, instance.case, sees_case, tasks)


def _detail(instance, version, name, case_row, sees_case: bool, open_tasks) -> dict:
    view = _summary(instance, version, name, case_row, sees_case)
    view["activeTasks"] = [
        {
            "id": t.id,
            "name": t.name,
            "elementId": t.element_id,
            "candidateGroups": t.candidate_groups,
            "assignee": t.assignee,
            "due": t.due_at,
        }
        for t in open_tasks
    ]
    view["variables"] = instance_variables(instance) if sees_case else None
    return view


def require_may_cancel(session, instance_id, actor: Actor) -> None:
    """Cancel: admins, and professionals who see the case; others who see it get 403."""
    _instance, _version, _name, _case, sees_case = _visible_row(session, instance_id, actor)
    if actor.has_role("admin") or actor.has_role("system"):
        return
    if not (sees_case and actor.has_role("professional")):
        raise Forbidden("your role may not cancel this pathway")
