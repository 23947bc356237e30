"""One task as the person doing it sees it: form, data so far, case context, allowed actions
(`task_detail` for the API, `task_view` for the web page)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Case, HistoryEvent, HumanTask, ProcessInstance
from app.services.access.actors import Actor
from app.services.definitions.resources import form_schema
from app.services.errors import NotFound
from app.services.instances.queries import instance_variables
from app.services.tasks import actions as tasks
from app.services.tasks.queries import sees_case_of, task_summary, visible_to

PREVIOUS_STEP_KINDS = (
    "instance_started",
    "task_completed",
    "task_cancelled",
    "message_received",
    "timer_fired",
    "instance_completed",
    "instance_cancelled",
)
PREVIOUS_STEPS_SHOWN = 50


def task_detail(session, task_id, actor: Actor) -> dict:
    """Everything the task page needs, redacted for callers who may not see the case (insurer)."""
    task = tasks.get_task(session, task_id, actor)
    instance = task.instance
    sees_case = sees_case_of(actor, task)
    case = session.get(Case, task.case_id) if task.case_id else None
    summary = task_summary(
        task,
        sees_case=sees_case,
        pseudonym=case.pseudonym if case else None,
        display_name=case.display_name if case else None,
        business_key=instance.business_key,
    )
    schema = form_schema(instance.definition, task.form_key)
    variables = instance_variables(instance) if sees_case else None
    return {
        "task": summary,
        "form": (
            {"key": task.form_key, "schema": schema, "ui": schema.get("x-ui") or {}} if schema else None
        ),
        "data": {
            **(task.draft if task.draft is not None else _prefill(schema, variables)),
            **(tasks.read_only_values(task, schema) if sees_case else {}),
        },
        "draftSaved": task.draft is not None,
        "variables": variables,
        "context": _context(session, task, instance, case) if sees_case else None,
        "actions": _actions(actor, task),
    }


def _prefill(schema: dict | None, variables: dict | None) -> dict:
    """Form fields already known in the pathway (e.g. a plan revised for the second time)."""
    if not schema or not variables:
        return {}
    fields = (schema.get("properties") or {}).keys()
    return {name: variables[name] for name in fields if name in variables}


def _actions(actor: Actor, task: HumanTask) -> dict:
    acting = tasks.may_act(actor) and task.status == "open"
    mine = task.assignee == actor.username
    free = task.assignee is None and tasks.is_candidate(actor, task)
    return {
        "claim": acting and free,
        "unclaim": acting and (mine or (task.assignee is not None and actor.has_role("admin"))),
        "assign": acting and (mine or free),
        "complete": acting and (mine or free),
        "saveDraft": acting and (mine or free),
        "comment": acting,
    }


def _context(session, task: HumanTask, instance: ProcessInstance, case: Case | None) -> dict:
    definition = instance.definition
    colleagues = session.execute(
        select(HumanTask)
        .where(HumanTask.case_id == task.case_id, HumanTask.status == "open", HumanTask.id != task.id)
        .order_by(HumanTask.created_at, HumanTask.id)
    ).scalars()
    steps = session.execute(
        select(HistoryEvent, ProcessInstance.process_key)
        .join(ProcessInstance, ProcessInstance.id == HistoryEvent.instance_id)
        .where(
            HistoryEvent.case_id == task.case_id if task.case_id else HistoryEvent.instance_id == instance.id,
            HistoryEvent.kind.in_(PREVIOUS_STEP_KINDS),
        )
        .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc())
        .limit(PREVIOUS_STEPS_SHOWN)
    ).all()
    return {
        "subject": (
            {"caseId": case.id, "pseudonym": case.pseudonym, "displayName": case.display_name}
            if case
            else None
        ),
        "pathway": {
            "key": definition.key,
            "name": definition.name,
            "version": definition.version,
            "instanceId": instance.id,
            "businessKey": instance.business_key,
            "status": instance.status,
        },
        "step": {"elementId": task.element_id, "name": task.name, "lane": task.lane},
        "otherOpenTasks": [
            {
                "taskId": other.id,
                "name": other.name,
                "processKey": other.process_key,
                "candidateGroups": other.candidate_groups,
                "assignee": other.assignee,
                "due": other.due_at,
            }
            for other in colleagues
        ],
        "previousSteps": [
            {
                "at": event.at,
                "kind": event.kind,
                "processKey": process_key,
                "elementId": event.element_id,
                "name": event.element_name,
                "actor": event.actor,
            }
            for event, process_key in reversed(steps)
        ],
    }


@dataclass
class TaskView:
    task: HumanTask
    case: Case | None
    pathway: str
    schema: dict | None
    others: list[HumanTask]  # other open tasks of the same case: who else is involved


def task_view(task_id, *, actor: Actor) -> TaskView:
    session = db.session
    task = tasks.get_task(session, task_id, actor)
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


def open_tasks_of_instance(instance_id, *, actor: Actor) -> list[HumanTask]:
    """The open tasks of one instance that the actor may see (e.g. the first step after a start)."""
    return list(
        db.session.execute(
            select(HumanTask)
            .where(
                HumanTask.instance_id == _instance_id(instance_id),
                HumanTask.status == "open",
                visible_to(actor),
            )
            .order_by(HumanTask.created_at)
        ).scalars()
    )


def _instance_id(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("no such process instance") from None
