"""Helpers for the pathway diagram tests (bare SpiffWorkflow, no service layer)."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine.scripting import SafeScriptEngine

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
PROCESS_IDS = ["triage", "crisisbeoordeling", "opschalen", "verwijzing", "afschalen", "leren"]
GROUPS = {
    "resident",
    "reporter",
    "wijkteam-triage",
    "wijkteam-regie",
    "peer-expert",
    "ggd-meldpunt",
    "ggz-fact",
    "ggz-crisis",
    "verslavingszorg",
    "begeleiding",
    "gemeente-wmo",
    "gemeente-wvggz",
    "verzekeraar",
}
MESSAGES = {
    "melding",
    "crisismelding",
    "crisis-beoordeeld",
    "opschaalverzoek",
    "terugvalsignaal",
    "start-evaluatie",
}


def bpmn_files():
    return sorted(PROCESSES.glob("*.bpmn"))


def dmn_files():
    return sorted(PROCESSES.glob("*.dmn"))


def xml(path):
    return etree.parse(str(path))


# ---- the helpers our service's safe evaluator offers, enough to evaluate `=` expressions
def add_days(d, n):
    return d + timedelta(days=n)


def add_working_days(d, n):
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


HELPERS = {
    "now": lambda: datetime.now(UTC),
    "today": date.today,
    "add_days": add_days,
    "add_working_days": add_working_days,
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
}


def evaluate(expr: str, data: dict):
    return eval(compile(expr, "<expr>", "eval"), {"__builtins__": {}, **HELPERS}, dict(data))  # noqa: S307


class Run:
    """A bare BpmnWorkflow with small conveniences for driving it in a test."""

    def __init__(self, parser, pid):
        self.pid = pid
        # The same safe script engine production uses (it offers working_days(), now(), ...).
        self.wf = BpmnWorkflow(
            parser.get_spec(pid), parser.get_subprocess_specs(pid), script_engine=SafeScriptEngine()
        )
        self.wf.do_engine_steps()
        self.events = []
        self._collect()

    def _collect(self):
        self.events.extend(self.wf.get_events())

    def user_tasks(self):
        return [
            t
            for t in self.wf.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.__class__.__name__ == "UserTask"
        ]

    def ready(self):
        return sorted(t.task_spec.bpmn_id for t in self.user_tasks())

    def task(self, bpmn_id):
        found = [t for t in self.user_tasks() if t.task_spec.bpmn_id == bpmn_id]
        assert found, f"{bpmn_id} not ready; ready: {self.ready()}"
        return found[0]

    def complete(self, bpmn_id, **data):
        t = self.task(bpmn_id)
        check_task_expressions(t)
        t.data.update(data)
        t.run()
        self.wf.do_engine_steps()
        self._collect()
        return t

    def waiting(self):
        return sorted(
            t.task_spec.bpmn_id for t in self.wf.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id
        )

    def fire(self, bpmn_id):
        """Make one waiting timer due now (as if its time had passed) and run on."""
        hits = [t for t in self.wf.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == bpmn_id]
        assert hits, f"timer {bpmn_id} not waiting; waiting: {self.waiting()}"
        for t in hits:
            definition = t.task_spec.event_definition
            assert isinstance(definition, TimerEventDefinition)
            value = t._get_internal_data("event_value")
            past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
            if isinstance(value, dict):  # cycle timer: only this occurrence is due
                value["next"] = past
                t._set_internal_data(event_value=value)
            else:
                t._set_internal_data(event_value=past)
        self.wf.refresh_timers()
        self.wf.do_engine_steps()
        self._collect()

    def deliver(self, event):
        self.wf.catch(event)
        self.wf.do_engine_steps()
        self._collect()

    def take(self, name):
        found = [e for e in self.events if e.event_definition.name == name]
        assert found, f"no {name} thrown; thrown: {[e.event_definition.name for e in self.events]}"
        self.events.remove(found[0])
        return found[0]


def message(name, payload):
    return BpmnEvent(MessageEventDefinition(name), payload)


def check_task_expressions(task):
    """Evaluate `=` due date / priority expressions of a user task against its data."""
    spec_attrs = getattr(task.task_spec, "_zorgpad_attrs", None)
    if spec_attrs is None:
        return
    for key in ("dueDate", "priority"):
        value = spec_attrs.get(key)
        if value and value.startswith("="):
            result = evaluate(value[1:], task.data)
            if key == "priority":
                assert isinstance(result, int) and 0 <= result <= 100
            elif isinstance(result, str):
                TimerEventDefinition.parse_iso_duration(result)
            else:
                assert isinstance(result, datetime)


SAFE_CALLS = {
    "working_days",
    "len",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "sorted",
    "now",
    "today",
    "add_days",
    "add_working_days",
}
SAFE_METHODS = {"get", "keys", "values", "items"}
SAFE_NODES = (
    ast.Module,
    ast.Expression,
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.For,
    ast.If,
    ast.IfExp,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.FloorDiv,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Constant,
    ast.Dict,
    ast.List,
    ast.Tuple,
    ast.Subscript,
    ast.Call,
    ast.Attribute,
)


def assert_safe(code: str, mode="eval"):
    tree = ast.parse(code, mode=mode)
    for node in ast.walk(tree):
        assert isinstance(node, SAFE_NODES), f"{type(node).__name__} not allowed in {code!r}"
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                assert f.id in SAFE_CALLS, f"call {f.id} not allowed in {code!r}"
            else:
                assert isinstance(f, ast.Attribute) and f.attr in SAFE_METHODS, code
        if isinstance(node, ast.Attribute):
            assert node.attr in SAFE_METHODS, f"attribute .{node.attr} in {code!r}"
