"""A running process instance: restore from stored state, step, report, dump back.

`ProcessRun` is the one object the service layer holds; nothing outside `app/engine` sees a
SpiffWorkflow class. Every public method leaves the workflow in a consistent state or raises
`EngineError` (the caller then discards the run: its last good state stays in the database).
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from . import clock
from .decisions import make_decisions_strict
from .history_pruning import prune_finished_history
from .scripting import SafeScriptEngine
from .serialization import REGISTRY, SERIALIZER, STATE_FORMAT

_SCRIPT_ENGINE = SafeScriptEngine()
# A runaway diagram (e.g. a loop of engine-only steps with no wait) must not hang a worker.
MAX_ENGINE_ROUNDS = 10_000


class EngineError(Exception):
    """A process could not take a step: a script, condition or decision failed, or bad input."""

    def __init__(self, message: str, element_id: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.element_id = element_id
        self.line = line

    def as_dict(self) -> dict:
        return {"message": self.message, "elementId": self.element_id, "line": self.line}


class UnknownTask(EngineError):
    pass


@dataclass(frozen=True)
class HumanTaskView:
    id: uuid.UUID
    process_id: str
    element_id: str
    name: str
    lane: str | None
    data: dict


@dataclass(frozen=True)
class TimerView:
    id: uuid.UUID
    element_id: str
    name: str | None
    due_at: datetime


@dataclass(frozen=True)
class OutgoingMessage:
    name: str
    payload: Any


@dataclass
class StepRecord:
    """One engine-completed element, for the instance history."""

    task_id: uuid.UUID
    element_id: str
    name: str | None
    element_type: str
    at: datetime
    details: dict = field(default_factory=dict)


_SPEC_CACHE: dict[str, tuple] = {}
# The stored spec document, or a function that loads it (only called on a cache miss).
SpecSource = dict | Callable[[], dict]
_SPEC_CACHE_SIZE = 256
# SpiffWorkflow's own workflow converter; we reuse its helpers to restore state onto cached specs.
_WF_CONVERTER = REGISTRY.convert_from_dict["BpmnWorkflow"].args[0].__self__


def _specs(version_key: str, spec_doc: SpecSource):
    """Restored spec objects for one definition version (immutable once deployed, so cached).

    `spec_doc` is the stored document or a function that loads it, so a cache hit never
    reads (or decodes) the stored spec at all.
    """
    hit = _SPEC_CACHE.get(version_key)
    if hit is None:
        if callable(spec_doc):
            spec_doc = spec_doc()
        spec = REGISTRY.restore(copy.deepcopy(spec_doc["spec"]))
        subs = {
            name: REGISTRY.restore(copy.deepcopy(doc)) for name, doc in spec_doc["subprocess_specs"].items()
        }
        for process_spec in (spec, *subs.values()):
            make_decisions_strict(process_spec)
        if len(_SPEC_CACHE) >= _SPEC_CACHE_SIZE:
            _SPEC_CACHE.pop(next(iter(_SPEC_CACHE)))
        hit = _SPEC_CACHE[version_key] = (spec, subs)
    return hit


def _parents_first(workflow_dct: dict) -> dict:
    """Order a serialised task map root-first.

    SpiffWorkflow rebuilds a task's data from its parent's (the state stores deltas), so a parent
    must be restored before its children. A JSON store may not keep key order (PostgreSQL's
    JSONB sorts keys), so we never rely on it.
    """
    tasks = workflow_dct["tasks"]
    ordered: dict = {}
    queue = [workflow_dct["root"]]
    while queue:
        task_id = queue.pop(0)
        task = tasks.get(task_id)
        if task is None or task_id in ordered:
            continue
        ordered[task_id] = task
        queue.extend(task["children"])
    for task_id, task in tasks.items():  # anything unreachable keeps its place at the end
        ordered.setdefault(task_id, task)
    return {**workflow_dct, "tasks": ordered}


def _restore_workflow(dct: dict, spec, subprocess_specs) -> BpmnWorkflow:
    # Mirrors SpiffWorkflow 3.2's BpmnWorkflowConverter.from_dict, minus restoring the specs.
    dct = _parents_first(dct)
    dct["subprocesses"] = {key: _parents_first(sub) for key, sub in dict(dct.get("subprocesses", {})).items()}
    workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
    workflow.tasks = _WF_CONVERTER.mapping_from_dict(dct["tasks"], uuid.UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(uuid.UUID(dct["root"]))
    _WF_CONVERTER.set_default_attributes(workflow, dct)
    _WF_CONVERTER.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = REGISTRY.restore(dct.pop("bpmn_events", []))
    return workflow


class ProcessRun:
    def __init__(self, workflow: BpmnWorkflow):
        self.workflow = workflow
        self.workflow.script_engine = _SCRIPT_ENGINE
        self.steps: list[StepRecord] = []
        # Decision evidence (inputs, matched rules, outputs) captured just before a
        # business-rule task runs, keyed by task id, until `_record` attaches it to the step.
        self._decisions: dict[uuid.UUID, dict] = {}

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def start(cls, version_key: str, spec_doc: SpecSource, data: dict | None = None) -> ProcessRun:
        spec, subs = _specs(version_key, spec_doc)
        workflow = BpmnWorkflow(spec, subs, script_engine=_SCRIPT_ENGINE)
        if data:
            workflow.task_tree.data.update(copy.deepcopy(data))
            for child in workflow.task_tree.children:
                child.data.update(copy.deepcopy(data))
        return cls(workflow)

    @classmethod
    def restore(cls, version_key: str, spec_doc: SpecSource, state: dict) -> ProcessRun:
        if state.get("format") != STATE_FORMAT:
            raise EngineError(f"stored state has format {state.get('format')!r}, not {STATE_FORMAT}")
        spec, subs = _specs(version_key, spec_doc)
        return cls(_restore_workflow(state["workflow"], spec, subs))

    def dump(self) -> dict:
        """JSON-ready state without the spec (stored once per definition version)."""
        prune_finished_history(self.workflow)
        dct = SERIALIZER.to_dict(self.workflow)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        try:
            json.dumps(dct)
        except (TypeError, ValueError) as exc:
            # Refuse here, with a clear reason, rather than fail deep inside the database write.
            raise EngineError(f"the process data holds a value that cannot be stored: {exc}") from exc
        return {"format": STATE_FORMAT, "workflow": dct}

    # -- stepping ---------------------------------------------------------------------------
    def run(self) -> None:
        """Run engine steps (scripts, gateways, decisions, due timers) until a wait state."""
        try:
            for _ in range(MAX_ENGINE_ROUNDS):
                self.workflow.do_engine_steps(will_complete_task=self._before, did_complete_task=self._record)
                # Plain bpmn:task elements have no behaviour: treat them as pass-through.
                passthrough = [t for t in self._tasks(TaskState.READY) if isinstance(t.task_spec, NoneTask)]
                if not passthrough:
                    return
                for task in passthrough:
                    task.run()
                    self._record(task)
            raise EngineError("the process did not reach a wait state (endless loop of steps?)")
        except EngineError:
            raise
        except SpiffWorkflowException as exc:
            raise _engine_error(exc) from exc

    def complete(self, task_id: uuid.UUID, data: dict) -> None:
        task = self.workflow.get_task_from_id(task_id)
        if task is None or not isinstance(task.task_spec, UserTask | ManualTask):
            raise UnknownTask(f"task {task_id} is not a human task of this instance")
        if task.state != TaskState.READY:
            raise UnknownTask(f"task {task_id} is not open (state {TaskState.get_name(task.state)})")
        try:
            task.data.update(copy.deepcopy(data))
            task.run()
            self._record(task)
        except SpiffWorkflowException as exc:
            raise _engine_error(exc) from exc
        self.run()

    def fire_due_timers(self) -> None:
        try:
            self.workflow.refresh_timers()
        except SpiffWorkflowException as exc:
            raise _engine_error(exc) from exc
        self.run()

    def deliver(self, name: str, payload: Any) -> bool:
        """Deliver a message to a catch event waiting for it; False if none waits."""
        for task in list(self.workflow.event_manager.tasks.values()):
            definition = task.task_spec.event_definition
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                event = BpmnEvent(definition, payload=copy.deepcopy(payload))
                try:
                    caught = self.workflow.event_manager.catch(event, internal=False)
                except SpiffWorkflowException as exc:
                    raise _engine_error(exc) from exc
                if caught:
                    self.run()
                    return True
        return False

    def task_data(self, task_id: uuid.UUID) -> dict:
        """A copy of an open human task's data (what its form starts from)."""
        task = self.workflow.get_task_from_id(task_id)
        if task is None or task.state != TaskState.READY:
            raise UnknownTask(f"task {task_id} is not open")
        return copy.deepcopy(task.data)

    def set_task_data(self, task_id: uuid.UUID, values: dict) -> None:
        """Put service-provided values into an open human task's data (shown in its form)."""
        task = self.workflow.get_task_from_id(task_id)
        if task is None or task.state != TaskState.READY:
            raise UnknownTask(f"task {task_id} is not open")
        task.data.update(copy.deepcopy(values))

    def cancel(self) -> None:
        self.workflow.cancel()

    def correct_data(self, variables: dict) -> None:
        """A process owner's data correction before a retry: the unfinished steps see the values.

        A task about to run re-inherits its parent's data (parent values win), so the values go
        into the unfinished tasks and every ancestor up to the root.
        """
        frontier = list(self._tasks(TaskState.READY | TaskState.WAITING | TaskState.STARTED))
        seen: set = set()
        for task in frontier or [self.workflow.task_tree]:
            while task is not None and task.id not in seen:
                seen.add(task.id)
                task.data.update(copy.deepcopy(variables))
                task = task.parent

    # -- reading ----------------------------------------------------------------------------
    def _workflows(self):
        yield self.workflow
        yield from self.workflow.subprocesses.values()

    def _tasks(self, state: int):
        for wf in self._workflows():
            for task in wf.tasks.values():
                if task.state & state:
                    yield task

    def element_ids(self) -> set[str]:
        """The BPMN element ids of this run's process and the processes it calls."""
        specs = [self.workflow.spec, *self.workflow.subprocess_specs.values()]
        return {t.bpmn_id for spec in specs for t in spec.task_specs.values() if t.bpmn_id}

    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    @property
    def data(self) -> dict:
        """The instance's variables: the end result, else the most recently completed step's."""
        if self.completed and self.workflow.data:
            return dict(self.workflow.data)
        last = self.workflow.last_task
        return dict(last.data if last is not None else self.workflow.task_tree.data)

    def human_tasks(self) -> list[HumanTaskView]:
        views = []
        for task in self._tasks(TaskState.READY):
            spec = task.task_spec
            if isinstance(spec, UserTask | ManualTask):
                views.append(
                    HumanTaskView(
                        id=task.id,
                        process_id=task.workflow.spec.name,
                        element_id=spec.name,
                        name=spec.bpmn_name or spec.name,
                        lane=getattr(spec, "lane", None),
                        data=task.data,
                    )
                )
        return views

    def timers(self) -> list[TimerView]:
        views = []
        for task in self.workflow.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            if not isinstance(definition, TimerEventDefinition):
                continue
            due = _timer_due(task, definition)
            if due is not None:
                views.append(TimerView(task.id, task.task_spec.name, definition.name, due))
        return views

    def waiting_messages(self) -> set[str]:
        return {
            task.task_spec.event_definition.name
            for task in self.workflow.event_manager.tasks.values()
            if isinstance(task.task_spec.event_definition, MessageEventDefinition)
        }

    def drain_messages(self) -> list[OutgoingMessage]:
        out = []
        for event in self.workflow.get_events():
            if isinstance(event.event_definition, MessageEventDefinition):
                out.append(OutgoingMessage(event.event_definition.name, event.payload))
        return out

    def _before(self, task) -> None:
        if hasattr(task.task_spec, "dmnEngine"):
            # Before the run: the outputs are not yet merged into the data the inputs read.
            self._decisions[task.id] = decision_evidence(task)

    def _record(self, task) -> None:
        spec = task.task_spec
        details: dict = {}
        if task.state == TaskState.COMPLETED and hasattr(spec, "dmnEngine"):
            details["decision"] = self._decisions.pop(task.id, None) or _decision_details(spec)
        if task.state == TaskState.COMPLETED and isinstance(spec, _BRANCHING) and len(spec.outputs) > 1:
            # Which way it went (the insight pages count the outgoing flows); a completed
            # gateway keeps only the children it took.
            details["taken"] = sorted({_element_id(child.task_spec) for child in task.children})
        self.steps.append(
            StepRecord(
                task_id=task.id,
                element_id=spec.name,
                name=getattr(spec, "bpmn_name", None),
                element_type=spec.__class__.__name__,
                at=clock.now(),
                details=details,
            )
        )


_BRANCHING = (ExclusiveGateway, InclusiveGateway)


def _element_id(spec) -> str:
    """The diagram element a task spec stands for (a task with boundary events is entered
    through SpiffWorkflow's `<id>.BoundaryEventSplit`)."""
    return spec.bpmn_id or spec.name.split(".")[0]


def _decision_details(spec) -> dict:
    table = spec.dmnEngine.decision_table
    return {"decisionId": getattr(table, "id", None), "decisionName": getattr(table, "name", None)}


def decision_evidence(task) -> dict:
    """Why a decision came out as it did: its inputs' values, the matched rules, the outputs.

    Evaluated with the same safe script engine and the same DMNEngine as the real run, on the
    task data as it is just before the run, so the record matches what the engine decides.
    Evidence must never break a pathway: a failing input is recorded as its error, and a
    failing table is left for the real run to report.
    """
    engine = task.task_spec.dmnEngine
    if hasattr(engine, "evidence"):  # our DMN engine (dmn.DecisionEngine) records its own
        return engine.evidence(task)
    table = engine.decision_table
    evidence = _decision_details(task.task_spec)
    evidence["hitPolicy"] = getattr(table, "hit_policy", None)
    inputs = []
    for column in table.inputs:
        entry = {"id": column.id, "label": column.label, "expression": column.expression}
        try:
            entry["value"] = _jsonable(task.workflow.script_engine.evaluate(task, column.expression))
        except Exception as exc:  # recorded, not raised: the run itself reports real failures
            entry["error"] = str(exc)
        inputs.append(entry)
    evidence["inputs"] = inputs
    try:
        matched = engine.decide(task)
        # SpiffWorkflow's result() uses every match under COLLECT, otherwise the first one.
        applied = len(matched) if table.hit_policy == "COLLECT" else 1
        evidence["matchedRules"] = [
            {
                "id": rule.id,
                "row": rule.row_number,
                "annotation": rule.description or None,
                "applied": index < applied,
            }
            for index, rule in enumerate(matched)
        ]
        evidence["outputs"] = _jsonable(engine.result(task))
    except Exception as exc:  # the real run raises the same error with its task context
        evidence["error"] = str(exc)
    return evidence


def _jsonable(value):
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return repr(value)


def _timer_due(task, definition) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(definition, CycleTimerEventDefinition) and isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        due = datetime.fromisoformat(value)
    except ValueError:
        return None
    return due if due.tzinfo else due.replace(tzinfo=UTC)


def _engine_error(exc: Exception) -> EngineError:
    task = getattr(exc, "task", None)
    element_id = task.task_spec.name if task is not None else None
    inner = getattr(exc, "exception", None)
    line = getattr(inner, "line", None) or getattr(exc, "line_number", None) or None
    message = str(exc)
    if isinstance(exc, WorkflowException) and hasattr(exc, "notes"):
        message = "; ".join([message, *exc.notes])
    return EngineError(message, element_id=element_id, line=line if isinstance(line, int) else None)
