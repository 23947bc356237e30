"""Checks on diagram text that the BPMN schema and SpiffWorkflow's parser do not make.

Every script, condition, message payload, timer expression, due date/priority `=expression` and
DMN cell must compile in the safe expression subset (`expressions.check`); literal timer values
must be valid ISO 8601. Each finding carries the file, the nearest element id and the line
(lxml's `sourceline`), with a message a process owner can act on.
"""

from __future__ import annotations

import ast
import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import expressions
from .parsing import BPMN_NS, CAMUNDA_NS, Finding, file_kind
from .xml import XmlProblem, parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
TIMER_KINDS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}
# A DMN input cell starting with a word operator: SpiffWorkflow glues it to the input
# expression without a space (`status` + `in [...]` gives `statusin [...]`).
_GLUED_OPERATOR = re.compile(r"^(not\s+in|in|is\s+not|is)\b")


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

    def expression(self, element, source: str | None, what: str, mode: str = "eval") -> bool:
        """Check one piece of diagram code; report its first problem with a precise line."""
        if source is None or not source.strip():
            return True
        problems = expressions.check(source, mode)
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
        for element in root.iter(f"{{{BPMN_NS}}}script"):
            self.expression(element, element.text, "script", mode="exec")
        for tag in ("preScript", "postScript"):
            for element in root.iter(f"{{{SPIFF_NS}}}{tag}"):
                self.expression(element, element.text, tag, mode="exec")
        for element in root.iter(f"{{{BPMN_NS}}}conditionExpression"):
            self.expression(element, element.text, "condition")
        for element in root.iter(f"{{{SPIFF_NS}}}messagePayload"):
            self.expression(element, element.text, "message payload")
        for element in root.iter(f"{{{BPMN_NS}}}completionCondition"):
            self.expression(element, element.text, "completion condition")
        for tag, kind in TIMER_KINDS.items():
            for element in root.iter(f"{{{BPMN_NS}}}{tag}"):
                self.timer(element, kind)
        for element in root.iter():
            if isinstance(element.tag, str):
                self.task_attributes(element)
        return self.findings

    def timer(self, element, kind: str) -> None:
        source = (element.text or "").strip()
        if not source:
            self.add(element, f"timer {kind} is empty")
            return
        if _looks_like_bare_iso(source):
            self.add(
                element,
                f'timer {kind} {source} must be written as a quoted string: "{source}" '
                "(timer expressions are evaluated, so an unquoted value is read as a variable name)",
            )
            return
        if not self.expression(element, source, f"timer {kind}"):
            return
        literal = _string_literal(source)
        if literal is not None:
            problem = iso8601_problem(literal, kind)
            if problem:
                self.add(element, f"timer {kind} {literal!r} is not valid ISO 8601: {problem}")

    def task_attributes(self, element) -> None:
        values = {
            attr: element.get(f"{{{CAMUNDA_NS}}}{attr}")
            for attr in ("dueDate", "priority")
            if element.get(f"{{{CAMUNDA_NS}}}{attr}") is not None
        }
        if element.tag == f"{{{SPIFF_NS}}}property" and element.get("name") in ("dueDate", "priority"):
            values[element.get("name")] = element.get("value")
        for attr, value in values.items():
            text = (value or "").strip()
            if text.startswith("="):
                self.expression(element, text[1:], f"{attr} expression")
            elif attr == "priority" and text and not text.lstrip("-").isdigit():
                self.add(element, f"priority {text!r} must be a whole number or an =expression")
            elif attr == "dueDate" and text:
                problem = iso8601_problem(text, "duration" if text.upper().startswith("P") else "date")
                if problem:
                    self.add(
                        element, f"dueDate {text!r} is not valid ISO 8601 ({problem}) nor an =expression"
                    )


class DmnChecks(_Checks):
    def run(self, root: etree._Element) -> list[Finding]:
        for ns in DMN_NAMESPACES:
            for table in root.iter(f"{{{ns}}}decisionTable"):
                self.table(table, ns)
        return self.findings

    def table(self, table, ns: str) -> None:
        inputs = []
        for input_el in table.findall(f"{{{ns}}}input"):
            text_el = input_el.find(f"{{{ns}}}inputExpression/{{{ns}}}text")
            source = (text_el.text or "").strip() if text_el is not None else ""
            if text_el is not None:
                self.expression(text_el, source, f"input expression '{input_el.get('label') or ''}'")
            inputs.append(source or "x")
        for rule in table.findall(f"{{{ns}}}rule"):
            for index, entry in enumerate(rule.findall(f"{{{ns}}}inputEntry")):
                text_el = entry.find(f"{{{ns}}}text")
                cell = (text_el.text or "").strip() if text_el is not None else ""
                input_expr = inputs[index] if index < len(inputs) else "x"
                self.input_cell(text_el if text_el is not None else entry, cell, input_expr)
            for entry in rule.findall(f"{{{ns}}}outputEntry"):
                text_el = entry.find(f"{{{ns}}}text")
                cell = (text_el.text or "").strip() if text_el is not None else ""
                if cell and cell != "-":
                    self.expression(text_el, cell, "output cell")

    def input_cell(self, element, cell: str, input_expr: str) -> None:
        if not cell or cell == "-":
            return
        glued = _GLUED_OPERATOR.match(cell)
        if glued:
            self.add(
                element,
                f"input cell '{cell}' starts with '{glued.group(1)}': the engine glues it to the "
                f"input expression without a space; write '? {cell}' instead",
            )
            return
        if "?" in cell:
            self.expression(element, cell.replace("?", "dmninputexpr"), "input cell")
            return
        if not expressions.check(cell, "eval"):
            self.expression(element, f"({input_expr}) == ({cell})", "input cell")
            return
        # An operator cell like `< 3` or `>= 2`: the engine puts the input expression in front.
        self.expression(element, f"{input_expr} {cell}", f"input cell '{cell}'")


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
