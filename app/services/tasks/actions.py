"""The inbox: who may see a task, claim it, give it back, and complete it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.engine import EngineError, UnknownTask, clock
from app.models import HumanTask, ProcessInstance, User
from app.services import audit
from app.services.access.actors import Actor
from app.services.cases import records
from app.services.definitions import form_rules
from app.services.definitions.resources import form_schema
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound, ProcessFailure
from app.services.instances import deliveries
from app.services.instances.runs import history, load_run, opened_tasks, save_run
from app.services.tasks import queries as task_queries
from app.services.unit_of_work import keep_after_commit, unit_of_work

ACTING_ROLES = ("professional", "admin", "system")

# Re-exported: the inbox SQL lives in task_queries.
visible_to = task_queries.visible_to


def is_candidate(actor: Actor, task: HumanTask) -> bool:
    if actor.has_role("system"):
        return True
    return bool(set(task.candidate_groups) & actor.groups) or actor.username in task.candidate_users


def can_see(actor: Actor, task: HumanTask) -> bool:
    return task_queries.sees_everything(actor) or task.assignee == actor.username or is_candidate(actor, task)


@dataclass
class TaskPage:
    items: list[HumanTask]
    total: int  # counted up to task_queries.COUNT_CAP; `total_capped` says there are more
    total_capped: bool = False
    next_cursor: str | None = None


def list_tasks(actor: Actor, **filters) -> TaskPage:
    """The tasks (rows) the actor may see; `filters` are `task_queries.TaskFilter` fields."""
    found = task_queries.search(actor, task_queries.TaskFilter(**filters))
    return TaskPage(
        items=[row[0] for row in found.rows],
        total=found.total,
        total_capped=found.total_capped,
        next_cursor=found.next_cursor,
    )


SORTS = ("due", "created", "priority")


def _task_id(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("no such task") from None


def _task_query(*instance_options):
    """A task with what every action on it needs (instance, definition, case): one round trip."""
    return select(HumanTask).options(
        joinedload(HumanTask.instance, innerjoin=True).options(
            joinedload(ProcessInstance.definition, innerjoin=True),
            joinedload(ProcessInstance.case),
            *instance_options,
        )
    )


_TASK_WITH_CONTEXT = _task_query()
# A completion also needs the instance's open rows (runs.save_run): in the same round trip.
_TASK_TO_COMPLETE = _task_query(joinedload(ProcessInstance.open_tasks))


def get_task(session, task_id, actor: Actor, query=_TASK_WITH_CONTEXT) -> HumanTask:
    """The task, if the actor may see it. Not visible is 404, so nobody learns a case exists."""
    task = session.execute(query.where(HumanTask.id == _task_id(task_id))).unique().scalar_one_or_none()
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
    audit.record_access(session, actor, object_type="HumanTask", object_id=task.id, instance=task.instance)
    return task


def may_act(actor: Actor) -> bool:
    return any(actor.has_role(role) for role in ACTING_ROLES)


def require_acting(actor: Actor) -> None:
    """Checked after the task is found: an invisible task is 404 for every role."""
    if not may_act(actor):
        raise Forbidden("your role may read tasks but not act on them")


def _visible_for_action(session, task_id, actor: Actor, query=_TASK_WITH_CONTEXT) -> HumanTask:
    task = get_task(session, task_id, actor, query)
    require_acting(actor)
    keep_after_commit(session, task)  # the caller answers with it: no reload after the commit
    return task


def claim(task_id, *, actor: Actor) -> HumanTask:
    with unit_of_work() as session:
        task = _visible_for_action(session, task_id, actor)
        _require_open(task)
        if task.assignee and task.assignee != actor.username:
            raise Conflict(f"this task is already claimed by {task.assignee}")
        if not is_candidate(actor, task) and task.assignee != actor.username:
            raise Forbidden("only a member of the task's groups may claim it")
        task.assignee = actor.username
        task.claimed_at = clock.now()
        task_history(session, task, "task_claimed", actor)
    return task


def unclaim(task_id, *, actor: Actor) -> HumanTask:
    with unit_of_work() as session:
        task = _visible_for_action(session, task_id, actor)
        _require_open(task)
        if task.assignee != actor.username and not actor.has_role("admin"):
            raise Conflict("only the assignee may give this task back")
        task.assignee = None
        task.claimed_at = None
        task_history(session, task, "task_unclaimed", actor)
    return task


def assign(task_id, assignee: str, *, actor: Actor) -> HumanTask:
    """Hand a task to a colleague who is a candidate (a member of a candidate group, or named)."""
    with unit_of_work() as session:
        task = _visible_for_action(session, task_id, actor)
        _require_open(task)
        if task.assignee and task.assignee != actor.username and not actor.has_role("admin"):
            raise Conflict(f"this task is claimed by {task.assignee}; only they can hand it over")
        if not task.assignee and not is_candidate(actor, task):
            raise Forbidden("only a member of the task's groups may assign it")
        _require_candidate_user(session, task, assignee)
        previous = task.assignee
        task.assignee = assignee
        task.claimed_at = clock.now()
        task_history(session, task, "task_assigned", actor, {"assignee": assignee, "previous": previous})
    return task


def _require_candidate_user(session, task: HumanTask, username: str) -> None:
    from app.services.access.identity import actor_for

    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    problem = None
    if user is None or not user.active:
        problem = "no such active user"
    else:
        candidate = actor_for(user)
        if not (candidate.has_role("professional") or candidate.has_role("admin")):
            problem = "this user's role may not act on tasks"
        elif not is_candidate(candidate, task):
            problem = "not a member of a candidate group of this task, nor a candidate user"
    if problem:
        raise InvalidInput(f"cannot assign to {username}: {problem}", errors={"assignee": [problem]})


def save_draft(task_id, data: dict, *, actor: Actor) -> HumanTask:
    """Keep half-filled form data on the task without completing it (not validated yet)."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", errors={"data": ["not an object"]})
    with unit_of_work() as session:
        task = _workable(session, task_id, actor, "work on")
        task.draft = data
        task_history(session, task, "task_draft_saved", actor, {"fields": sorted(data)})
    return task


def _workable(session, task_id, actor: Actor, verb: str, query=_TASK_WITH_CONTEXT) -> HumanTask:
    """The open task, if this actor may work on it: its assignee, or a candidate when unclaimed."""
    task = _visible_for_action(session, task_id, actor, query)
    _require_open(task)
    if task.assignee and task.assignee != actor.username:
        raise Conflict(f"this task is claimed by {task.assignee}")
    if not task.assignee and not is_candidate(actor, task):
        raise Forbidden(f"only a member of the task's groups may {verb} it")
    return task


def task_history(session, task: HumanTask, kind: str, actor: Actor, data: dict | None = None) -> None:
    """The history (and so audit) line of an action on a task, in the caller's transaction."""
    history(
        session,
        task.instance,
        kind,
        actor,
        element_id=task.element_id,
        element_name=task.name,
        task_id=task.id,
        data=data,
    )


def _require_open(task: HumanTask) -> None:
    if task.status != "open":
        raise Conflict(f"this task is {task.status}")


def read_only_keys(schema: dict | None) -> list[str]:
    """The form's top-level fields the service fills (`readOnly`: a data source, an earlier step)."""
    return [k for k, p in ((schema or {}).get("properties") or {}).items() if p.get("readOnly")]


def read_only_values(task: HumanTask, schema: dict | None) -> dict:
    """The values of an open task's read-only fields, as the service put them into the task.

    For showing the form; a completion takes them from the task itself (`complete`).
    """
    keys = read_only_keys(schema)
    if not keys or task.status != "open":
        return {}
    try:
        return _read_only_in_run(load_run(task.instance), task, keys)
    except UnknownTask:
        return {}  # the engine moved on (a concurrent completion): nothing to show


def _read_only_in_run(run, task: HumanTask, keys: list[str]) -> dict:
    data = run.task_data(task.id)
    return {k: data[k] for k in keys if k in data}


def validate_against(schema: dict | None, data: dict) -> None:
    """Raise InvalidInput with the messages per field path ("zrm/huisvesting") if data fails."""
    if schema is None:
        return
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        path = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = "/".join(p for p in (path, missing) if p)
        errors.setdefault(path or "(root)", []).append(error.message)
    if not errors:
        errors = form_rules.choice_errors(schema, data)
    if errors:
        raise InvalidInput("the form has errors", errors=errors)


def complete(task_id, data: dict, *, actor: Actor) -> HumanTask:
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", errors={"data": ["not an object"]})
    with unit_of_work() as session:
        task = _workable(session, task_id, actor, "complete", _TASK_TO_COMPLETE)
        instance = task.instance
        if instance.status != "running":
            raise Conflict(f"the pathway is {instance.status}")
        schema = form_schema(instance.definition, task.form_key)
        run = load_run(instance)
        try:
            if keys := read_only_keys(schema):
                # Read-only fields are the service's: taken from the task, whatever was sent.
                data = {**data, **_read_only_in_run(run, task, keys)}
            validate_against(schema, data)
            run.complete(task.id, data)
        except UnknownTask as exc:
            raise Conflict(exc.message) from exc
        except EngineError as exc:
            raise ProcessFailure(f"the next step failed: {exc.message}", error=exc.as_dict()) from exc
        records.apply_case_fields(instance.case, schema, data)  # fields marked `x-case`
        now = clock.now()
        task.status = "completed"
        task.completed_at = now
        task.completed_by = actor.username
        task.assignee = task.assignee or actor.username
        task.data = data
        task.draft = None
        history(
            session,
            instance,
            "task_completed",
            actor,
            element_id=task.element_id,
            element_name=task.name,
            element_type="UserTask",
            task_id=task.id,
            data={"fields": sorted(data)},
        )
        # Read with the task, nothing flushed since: the rows save_run would otherwise query.
        outgoing = save_run(session, instance, run, actor, open_rows=instance.open_tasks)
        message_ids = [m.id for m in outgoing]
        task.next_tasks = opened_tasks(session, instance)
        for opened in task.next_tasks:
            keep_after_commit(session, opened)
    deliveries.deliver_now(message_ids)
    return task
