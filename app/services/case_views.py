"""Read models for the web pages: a task with its case context, a resident's case file.

Visibility follows the inbox rule: who may see a task sees its case header; who may see any
task of a case (or worked on it) may open the case page. Everything else is NotFound, so a
page never reveals that a resident has a case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select

from ..extensions import db
from ..models import Case, Group, HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, User
from . import audit
from .actors import Actor
from .deployments import bpmn_content, form_schema
from .errors import NotFound
from .instances import may_start
from .tasks import get_task, visible_to

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
class TaskView:
    task: HumanTask
    case: Case | None
    pathway: str
    schema: dict | None
    others: list[HumanTask]  # other open tasks of the same case: who else is involved


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


def task_view(task_id, *, actor: Actor) -> TaskView:
    session = db.session
    task = get_task(session, task_id, actor)
    instance = task.instance
    others = []
    if task.case_id is not None:
        others = list(
            session.execute(
                select(HumanTask)
                .where(HumanTask.case_id == task.case_id, HumanTask.status == "open", HumanTask.id != task.id)
                .order_by(HumanTask.due_at.is_(None), HumanTask.due_at)
            ).scalars()
        )
    return TaskView(
        task=task,
        case=instance.case,
        pathway=instance.definition.name,
        schema=form_schema(instance.definition, task.form_key),
        others=others,
    )


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


def startable(actor: Actor) -> list[ProcessDefinition]:
    """The latest version of every pathway this actor may start by hand."""
    rows = db.session.execute(
        select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
    )
    latest: dict[str, ProcessDefinition] = {}
    for definition in rows.scalars():
        latest[definition.key] = definition
    return [d for d in latest.values() if may_start(actor, d)]


def pathway_names() -> dict[str, str]:
    """Process key -> name of its latest version, for the inbox's pathway filter."""
    rows = db.session.execute(
        select(ProcessDefinition.key, ProcessDefinition.name).order_by(
            ProcessDefinition.key, ProcessDefinition.version
        )
    ).all()
    return {key: name for key, name in rows}


def latest_start_form(process_key: str, form_name: str) -> dict | None:
    definition = db.session.execute(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == process_key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if definition is None:
        return None
    return form_schema(definition, form_name)


def group_names() -> dict[str, str]:
    return dict(db.session.execute(select(Group.key, Group.name)).all())


def user_names(usernames) -> dict[str, str]:
    names = {u for u in usernames if u}
    if not names:
        return {}
    return dict(
        db.session.execute(select(User.username, User.display_name).where(User.username.in_(names))).all()
    )


def open_tasks_of_instance(instance_id, *, actor: Actor) -> list[HumanTask]:
    """The open tasks of one instance that the actor may see (e.g. the first step after a start)."""
    return list(
        db.session.execute(
            select(HumanTask)
            .where(HumanTask.instance_id == _uuid(instance_id), HumanTask.status == "open", visible_to(actor))
            .order_by(HumanTask.created_at)
        ).scalars()
    )


def colleagues_for(task: HumanTask) -> list[tuple[str, str]]:
    """(user name, display name) of the active members of a task's candidate groups."""
    from ..models import Membership

    rows = db.session.execute(
        select(User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.key.in_(task.candidate_groups or [""]), User.active.is_(True))
        .distinct()
        .order_by(User.display_name)
    ).all()
    return [(r.username, r.display_name) for r in rows]
