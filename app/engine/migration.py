"""Move a running instance onto a newer version of its process, matching steps by element id.

What an instance is doing is its *frontier*: tasks that are ready, waiting (timers, messages,
joins) or started (a call activity). The frontier maps when every frontier task's element id
exists in the target version. Migration then points every task at the target's spec of the same
name, drops the predicted (not yet reached) tasks below the frontier and predicts them again from
the target, so a step added after the current one is taken. Timer due times, task ids (the inbox
rows) and data stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.util.task import TaskState

from .history_pruning import prune_finished_history
from .runtime import EngineError, ProcessRun, _specs

FRONTIER = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE


@dataclass
class MappedItem:
    kind: str  # task | timer | message | step
    element_id: str
    name: str | None
    maps: bool

    def as_dict(self) -> dict:
        return {"kind": self.kind, "elementId": self.element_id, "name": self.name, "maps": self.maps}


@dataclass
class MigrationPlan:
    items: list[MappedItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.problems and all(item.maps for item in self.items)

    def as_dict(self) -> dict:
        return {
            "possible": self.possible,
            "items": [item.as_dict() for item in self.items],
            "problems": self.problems,
        }


def _target_spec_for(workflow, run: ProcessRun, target):
    spec, subs = target
    if workflow is run.workflow:
        return spec
    return subs.get(workflow.spec.name)


def _kind(task) -> str:
    spec = task.task_spec
    if isinstance(spec, UserTask | ManualTask):
        return "task"
    definition = getattr(spec, "event_definition", None)
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    if isinstance(definition, MessageEventDefinition):
        return "message"
    return "step"


def plan(run: ProcessRun, target_version_key: str, target_spec_doc: dict) -> MigrationPlan:
    """What of the instance's current work exists in the target version (by element id).

    Finished steps the target no longer has are cut from the engine's tree first (the history
    table keeps them): a step removed from the diagram that the instance has passed is no
    reason to refuse.
    """
    target = _specs(target_version_key, target_spec_doc)
    result = _plan(run, target)
    if result.problems:
        prune_finished_history(run.workflow, min_depth=0)
        result = _plan(run, target)
    return result


def _plan(run: ProcessRun, target) -> MigrationPlan:
    result = MigrationPlan()
    for workflow in run._workflows():
        new_spec = _target_spec_for(workflow, run, target)
        if new_spec is None:
            result.problems.append(f"called process '{workflow.spec.name}' is not part of the target version")
            continue
        for task in workflow.tasks.values():
            if task.state & PREDICTED:
                continue
            maps = task.task_spec.name in new_spec.task_specs
            if task.state & FRONTIER:
                if task.task_spec.bpmn_id is None and maps:
                    continue  # engine-internal bookkeeping that exists in both versions
                result.items.append(
                    MappedItem(_kind(task), task.task_spec.name, task.task_spec.bpmn_name, maps)
                )
            elif not maps:
                result.problems.append(
                    f"completed step '{task.task_spec.name}' is still part of the instance's recent "
                    "history and does not exist in the target version"
                )
    return result


def migrate(run: ProcessRun, target_version_key: str, target_spec_doc: dict) -> ProcessRun:
    """A new run on the target version; raises EngineError when the plan is not possible."""
    report = plan(run, target_version_key, target_spec_doc)
    if not report.possible:
        unmapped = [i.element_id for i in report.items if not i.maps]
        reasons = report.problems + (
            [f"not in the target version: {', '.join(unmapped)}"] if unmapped else []
        )
        raise EngineError("cannot migrate: " + "; ".join(reasons))
    target = _specs(target_version_key, target_spec_doc)
    workflow = run.workflow
    for sub in list(run._workflows()):
        new_spec = _target_spec_for(sub, run, target)
        frontier = [t for t in sub.tasks.values() if t.state & FRONTIER]
        for task in frontier:
            for child in list(task.children):
                if child.state & PREDICTED:
                    _drop(sub, child)
        for task in list(sub.tasks.values()):
            if (
                task.id in sub.tasks
                and task.state & PREDICTED
                and task.task_spec.name not in new_spec.task_specs
            ):
                _drop(sub, task)
        for task in sub.tasks.values():
            task.task_spec = new_spec.task_specs[task.task_spec.name]
        sub.spec = new_spec
        for task in frontier:
            if not task.children:
                task.task_spec._predict_hook(task)
                for child in task.children:
                    child.task_spec._predict(child, mask=PREDICTED)
    workflow.subprocess_specs = target[1]
    migrated = ProcessRun(workflow)
    # Prove the result can be stored and restored on the target before anyone relies on it.
    ProcessRun.restore(target_version_key, target_spec_doc, migrated.dump())
    return migrated


def _drop(workflow, task) -> None:
    for child in list(task.children):
        _drop(workflow, child)
    if task.parent is not None and task.id in task.parent._children:
        task.parent._children.remove(task.id)
    workflow.tasks.pop(task.id, None)
