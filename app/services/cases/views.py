"""Read models for the web pages: a task with its case context, a resident's case file.

Visibility follows the inbox rule: who may see a task sees its case header; who may see any
task of a case (or worked on it) may open the case page. Everything else is NotFound, so a
page never reveals that a resident has a case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select

from app.extensions import db
from app.models import Case, HistoryEvent, HumanTask, ProcessInstance
from app.services import audit
from app.services.access.actors import Actor
from app.services.definitions.resources import bpmn_content
from app.services.errors import NotFound
from app.services.tasks.queries import visible_to

# History kinds that are a step on the timeline (the rest is bookkeeping).
TIMELINE_KINDS = (
    "instance_started",
    "task_created",
    "task_claimed",
    "task_unclaimed",
    "task_assigned",
    "task_commented",
    "task_completed",
    "task_cancelled",
    "timer_fired",
    "message_sent",
    "message_received",
    "step_completed",
    "instance_completed",
    "instance_cancelled",
)


@dataclass
class InstanceView:
    instance: ProcessInstance
    pathway: str
    events: list[HistoryEvent]
    open_tasks: list[HumanTask]
    done_elements: set[str] = field(default_factory=set)
    active_elements: set[str] = field(default_factory=set)


@dataclass
class CaseFile:
    case: Case
    instances: list[InstanceView]


def _uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("not found") from None


def may_open_case(actor: Actor, case_id) -> bool:
    case_id = _uuid(case_id)
    sees_a_task = select(HumanTask.id).where(HumanTask.case_id == case_id, visible_to(actor)).limit(1)
    worked_on = exists().where(HistoryEvent.case_id == case_id, HistoryEvent.actor == actor.username)
    return bool(db.session.execute(select(or_(sees_a_task.exists(), worked_on))).scalar())


def case_file(case_id, *, actor: Actor) -> CaseFile:
    session = db.session
    case = session.get(Case, _uuid(case_id))
    if case is None or not may_open_case(actor, case.id):
        raise NotFound("no such case")
    instances = session.execute(
        select(ProcessInstance).where(ProcessInstance.case_id == case.id).order_by(ProcessInstance.started_at)
    ).scalars()
    views = []
    for instance in instances:
        events = list(
            session.execute(
                select(HistoryEvent)
                .where(HistoryEvent.instance_id == instance.id, HistoryEvent.kind.in_(TIMELINE_KINDS))
                .order_by(HistoryEvent.at, HistoryEvent.id)
            ).scalars()
        )
        open_tasks = list(
            session.execute(
                select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
            ).scalars()
        )
        done = {
            e.element_id for e in events if e.element_id and e.kind in ("step_completed", "task_completed")
        }
        active = {t.element_id for t in open_tasks}
        views.append(
            InstanceView(
                instance=instance,
                pathway=instance.definition.name,
                events=events,
                open_tasks=open_tasks,
                done_elements=done - active,
                active_elements=active,
            )
        )
    audit.record_access(
        session,
        actor,
        object_type="Case",
        object_id=case.id,
        case_id=case.id,
        details={"instances": [str(view.instance.id) for view in views]},
    )
    return CaseFile(case=case, instances=views)


def instance_diagram(instance_id, *, actor: Actor) -> bytes:
    """The BPMN XML of the version the instance runs on, for the case page's diagram."""
    session = db.session
    instance = session.get(ProcessInstance, _uuid(instance_id))
    if instance is None or instance.case_id is None or not may_open_case(actor, instance.case_id):
        raise NotFound("no such diagram")
    content = bpmn_content(session, instance.definition)
    if content is None:
        raise NotFound("no such diagram")
    return content
