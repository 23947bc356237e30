"""Checks on diagram text that the BPMN schema and SpiffWorkflow's parser do not make.

Every script, condition, message payload, timer expression, task attribute expression and DMN
cell must compile in its dialect (`dialects`: the Python subset, JUEL `${…}`, or FEEL `=…` in
Camunda 8 diagrams and Camunda DMN tables); literal timer values and due dates must be valid
ISO 8601. Each finding carries the file, the nearest element id and the line (lxml's
`sourceline`), with a message a process owner can act on.
"""

from __future__ import annotations

import ast
import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import camunda_forms, dialects, dmn, expressions
from .parsing import BPMN_NS, Finding, ProcessModel, file_kind
from .task_definitions import LITERAL, task_values
from .xml import XmlProblem, parse_xml
from .zeebe_scripts import script_problems, zeebe_script

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
TIMER_KINDS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}
# Quartz cron (`0 0/5 * * * ?`), which Camunda 7 accepts in a timeCycle.
_CRON = re.compile(r"^\S+(\s+\S+){4,6}$")
_HUMAN_TASKS = ("userTask", "manualTask")


def validate_files(files: dict[str, bytes]) -> list[Finding]:
    """Findings for every BPMN and DMN file that is well-formed (malformed ones are reported
    by `parse_bundle` already)."""
    findings: list[Finding] = []
    for name, content in sorted(files.items()):
        kind = file_kind(name)
        if kind not in ("bpmn", "dmn"):
            continue
        try:
            root = parse_xml(content)
        except XmlProblem:
            continue
        if kind == "bpmn":
            findings.extend(BpmnChecks(name).run(root))
        else:
            findings.extend(DmnChecks(name).run(root))
    return findings


def element_id_of(element: etree._Element) -> str | None:
    """The id of the element or of its nearest ancestor that has one."""
    node = element
    while node is not None:
        if isinstance(node.tag, str) and node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


class _Checks:
    def __init__(self, file_name: str):
        self.file = file_name
        self.findings: list[Finding] = []
        self.camunda8 = False

    def add(self, element, message: str, line: int | None = None, severity: str = "error") -> None:
        self.findings.append(
            Finding(
                self.file,
                message,
                element_id=element_id_of(element),
                line=line or element.sourceline,
                severity=severity,
            )
        )

    def expression(
        self, element, source: str | None, what: str, mode: str = "eval", dialect: str | None = None
    ) -> bool:
        """Check one piece of diagram code; report its first problem with a precise line."""
        if source is None or not source.strip():
            return True
        if dialect is None:
            dialect = dialects.PYTHON if mode == "exec" else dialects.dialect_of(source, self.camunda8)
        if dialect == dialects.PYTHON and mode == "eval" and source.lstrip().startswith("="):
            message = (
                f"{what}: '=' starts a FEEL expression, which only Camunda 8 diagrams use (they declare the "
                "zeebe namespace); write the expression without '=', or as ${...} (JUEL)"
            )
            self.add(element, message)
            return False
        problems = dialects.check(source, dialect, mode)
        if not problems:
            return True
        first = problems[0]
        line = element.sourceline
        if line is not None and first.line:
            # Text starts on the element's line when written inline; good enough for multi-line.
            line += first.line - 1
        self.add(element, f"{what}: {first.message}{_hint(source, first)}", line=line)
        return False


def _hint(source: str, error) -> str:
    if isinstance(error, expressions.ExpressionSyntaxError) and "=" in source and "==" not in source:
        return " (to compare, write '==')"
    return ""


class BpmnChecks(_Checks):
    def run(self, root: etree._Element) -> list[Finding]:
        self.camunda8 = dialects.is_camunda8(root)
        for element in root.iter(f"{{{BPMN_NS}}}script"):
            self.expression(element, element.text, "script", mode="exec")
        for tag in ("preScript", "postScript"):
            for element in root.iter(f"{{{SPIFF_NS}}}{tag}"):
                self.expression(element, element.text, tag, mode="exec")
        for element in root.iter(f"{{{BPMN_NS}}}conditionExpression"):
            self.expression(element, element.text, "condition")
        for element in root.iter(f"{{{BPMN_NS}}}conditionalEventDefinition"):
            for condition in element.findall(f"{{{BPMN_NS}}}condition"):
                self.expression(condition, condition.text, "condition")
        for element in root.iter(f"{{{BPMN_NS}}}scriptTask"):
            for message in script_problems(element):
                self.add(zeebe_script(element), message)
            script = zeebe_script(element)
            if script is not None and (script.get("expression") or "").strip().startswith("="):
                self.expression(script, script.get("expression"), "zeebe:script", dialect=dialects.FEEL)
        for element in root.iter(f"{{{SPIFF_NS}}}messagePayload"):
            self.expression(element, element.text, "message payload")
        for element in root.iter(f"{{{BPMN_NS}}}completionCondition"):
            self.expression(element, element.text, "completion condition")
        for element in root.iter(f"{{{BPMN_NS}}}loopCardinality"):
            self.expression(element, element.text, "loop cardinality")
        for tag, kind in TIMER_KINDS.items():
            for element in root.iter(f"{{{BPMN_NS}}}{tag}"):
                self.timer(element, kind)
        for tag in _HUMAN_TASKS:
            for element in root.iter(f"{{{BPMN_NS}}}{tag}"):
                self.assignment(element)
        for element in root.iter(f"{{{BPMN_NS}}}businessRuleTask"):
            for node, message, severity in dmn.reference_problems(element):
                self.add(node, message, severity=severity)
        for element in root.iter(f"{{{SPIFF_NS}}}property"):
            self.spiff_property(element)
        form_ref = f"{{{camunda_forms.CAMUNDA_NS}}}formRef"
        for element in root.iter():
            if isinstance(element.tag, str) and element.get(form_ref) is not None:
                problems: list[camunda_forms.Problem] = []
                camunda_forms.check_form_ref(element, problems)
                for problem in problems:
                    self.add(problem.element, problem.message, severity=problem.severity)
        return self.findings

    def timer(self, element, kind: str) -> None:
        source = (element.text or "").strip()
        if not source:
            self.add(element, f"timer {kind} is empty")
            return
        literal = dialects.bare_timer_literal(source)
        if literal is not None or _looks_like_bare_iso(source):
            # Camunda writes timer values unquoted (`PT5M`); read as the literal, never a name.
            problem = iso8601_problem(source, kind)
            if problem or literal is None:
                self.add(
                    element, f"timer {kind} {source} is not valid ISO 8601: {problem or 'unexpected text'}"
                )
            return
        if kind == "cycle" and _CRON.match(source) and not dialects.juel.is_juel(source):
            self.add(
                element,
                f"timer cycle '{source}' is a cron expression, which Zorgpad does not run; write an ISO 8601 "
                "cycle such as R/PT5M (every five minutes) or R/P1D",
            )
            return
        if not self.expression(element, source, f"timer {kind}"):
            return
        literal = _string_literal(source)
        if literal is not None:
            problem = iso8601_problem(literal, kind)
            if problem:
                self.add(element, f"timer {kind} {literal!r} is not valid ISO 8601: {problem}")

    def assignment(self, element) -> None:
        """Candidate groups/users, assignee, due date and priority of one human task."""
        for value in task_values(element):
            what = f"{value.source} expression"
            if value.dialect != LITERAL:
                text = value.text.strip()
                source = text[1:] if value.dialect == dialects.PYTHON else text
                self.expression(value.element, source, what, dialect=value.dialect)
            elif value.attribute == "priority":
                self.priority_literal(value.element, value.text, value.source)
            elif value.attribute in ("dueDate", "followUpDate"):
                self.date_literal(value.element, value.text, value.source)

    def spiff_property(self, element) -> None:
        name, text = element.get("name"), (element.get("value") or "").strip()
        if name not in ("dueDate", "priority") or not text:
            return
        if text.startswith("="):
            self.expression(element, text[1:], f"{name} expression", dialect=dialects.PYTHON)
        elif name == "priority":
            self.priority_literal(element, text, name)
        else:
            self.date_literal(element, text, name)

    def priority_literal(self, element, text: str, source: str) -> None:
        if not text.lstrip("-").isdigit():
            self.add(element, f"{source} {text!r} must be a whole number or an expression")

    def date_literal(self, element, text: str, source: str) -> None:
        problem = iso8601_problem(text, "duration" if text.upper().startswith("P") else "date")
        if problem:
            self.add(element, f"{source} {text!r} is not valid ISO 8601 ({problem}) nor an expression")


class DmnChecks(_Checks):
    def run(self, root: etree._Element) -> list[Finding]:
        if dmn.dmn_namespace(root) is None:
            return self.findings  # parse_bundle reports a document that is not DMN
        for element, message in dmn.cell_problems(self.file, root):
            self.add(element, message)
        return self.findings


def _string_literal(source: str) -> str | None:
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except SyntaxError:
        return None
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


_ISO_START = re.compile(r"^(R\d*/|P\d|P T|PT\d|\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def _looks_like_bare_iso(source: str) -> bool:
    return bool(_ISO_START.match(source)) and _string_literal(source) is None


def iso8601_problem(value: str, kind: str) -> str | None:
    """Why `value` is not a valid ISO 8601 duration/date/cycle, or None when it is."""
    try:
        if kind == "duration":
            if not value.upper().startswith("P"):
                return "a duration starts with P, e.g. P2D or PT4H"
            parsed = TimerEventDefinition.parse_iso_duration(value)
            if not parsed:
                return "no amount given, e.g. P2D or PT4H"
        elif kind == "date":
            TimerEventDefinition.get_datetime(value)
        else:
            if not value.upper().startswith("R"):
                return "a cycle starts with R, e.g. R/P14D or R3/2026-01-05T09:00/P1W"
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception as exc:  # SpiffWorkflow raises bare Exception for bad durations
        return str(exc) or exc.__class__.__name__
    return None


_NOT_FOUND = re.compile(r"The process '([^']+)' was not found")


def called_process_findings(
    files: dict[str, bytes], findings: list[Finding], bundle_keys: set[str], deployed_keys: set[str]
) -> list[Finding]:
    """Replace SpiffWorkflow's unlocated "process not found" with one finding per call activity.

    A called process is bundled into the caller's version, so its file must be deployed along.
    """
    kept = [f for f in findings if not _NOT_FOUND.search(f.message)]
    for name, content in sorted(files.items()):
        if file_kind(name) != "bpmn":
            continue
        try:
            root = parse_xml(content)
        except XmlProblem:
            continue
        for call in root.iter(f"{{{BPMN_NS}}}callActivity"):
            called = call.get("calledElement")
            if not called:
                message = "call activity names no process (calledElement)"
                kept.append(Finding(name, message, call.get("id"), call.sourceline))
            elif called in deployed_keys and called not in bundle_keys:
                message = (
                    f"called process '{called}' is deployed, but its diagram must be part of this "
                    "deployment too (a version includes the processes it calls)"
                )
                kept.append(Finding(name, message, call.get("id"), call.sourceline))
            elif called not in bundle_keys:
                message = f"called process '{called}' is not in this deployment nor deployed"
                kept.append(Finding(name, message, call.get("id"), call.sourceline))
    return kept


class ElementLocator:
    """Line numbers of elements (by id) and lanes (by name), for findings made from metadata."""

    def __init__(self, files: dict[str, bytes]):
        self.lines: dict[tuple[str, str], int] = {}
        self.lanes: dict[tuple[str, str], tuple[str, int]] = {}
        self.messages: dict[tuple[str, str], tuple[str, int]] = {}
        for name, content in files.items():
            if file_kind(name) != "bpmn":
                continue
            try:
                root = parse_xml(content)
            except XmlProblem:
                continue
            for element in root.iter():
                if isinstance(element.tag, str) and element.get("id"):
                    self.lines.setdefault((name, element.get("id")), element.sourceline)
            for lane in root.iter(f"{{{BPMN_NS}}}lane"):
                self.lanes.setdefault((name, lane.get("name") or ""), (lane.get("id"), lane.sourceline))
            for message in root.iter(f"{{{BPMN_NS}}}message"):
                self.messages.setdefault(
                    (name, message.get("name") or ""), (message.get("id"), message.sourceline)
                )

    def finding(self, file: str, element_id: str | None, message: str, severity="error") -> Finding:
        line = self.lines.get((file, element_id)) if element_id else None
        return Finding(file, message, element_id=element_id, line=line, severity=severity)

    def lane_finding(self, file: str, lane: str, message: str, severity="error") -> Finding:
        element_id, line = self.lanes.get((file, lane), (None, None))
        return Finding(file, message, element_id=element_id, line=line, severity=severity)

    def message_finding(self, file: str, name: str, message: str, severity="error") -> Finding:
        element_id, line = self.messages.get((file, name), (None, None))
        return Finding(file, message, element_id=element_id, line=line, severity=severity)


def resolve_forms(
    model: ProcessModel, available: set[str], locate: ElementLocator | None = None
) -> list[Finding]:
    """Check every task's form against the forms of this deployment and earlier ones.

    A form named as a JSON Schema file must exist (error). A form mapped from a Camunda form key
    (`embedded:app:forms/x.html`, `camunda-forms:…`, a formRef) that has no schema gets a
    warning, and the task a generic form: no fields, any data accepted by the API.
    """
    findings = []
    for tasks in model.meta["user_tasks"].values():
        for task_id, task in tasks.items():
            form = task.get("form")
            if not form or form in available:
                continue
            line = locate.lines.get((model.bpmn_file, task_id)) if locate else None
            if task.get("form_key"):
                message = (
                    f"form '{task['form_key']}' is a Camunda form Zorgpad cannot show, and no JSON Schema "
                    f"'{form}' is deployed: the task gets a generic form without fields. Deploy '{form}' "
                    "(or give the task camunda:formData) to give it fields"
                )
                findings.append(
                    Finding(model.bpmn_file, message, element_id=task_id, line=line, severity="warning")
                )
                task["form"] = None
            else:
                message = f"form '{form}' is not in this deployment nor deployed before"
                findings.append(Finding(model.bpmn_file, message, element_id=task_id, line=line))
    model.meta["forms"] = sorted(
        {t["form"] for tasks in model.meta["user_tasks"].values() for t in tasks.values() if t.get("form")}
    )
    return findings
