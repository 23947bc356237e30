"""Turn a set of BPMN/DMN/form files into deployable process models, or precise findings.

SpiffWorkflow parses and validates (BPMN XSD); we add what it does not read: the Camunda 7/8
attributes a modeller writes (candidate groups/users, assignee, forms, due date, priority:
`task_definitions`, `camunda_forms`), DMN decisions with their requirement graphs (`dmn`), and a
summary (`meta`) the service layer uses without touching the engine.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import PurePath

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ScriptTask

from . import camunda_forms, dmn
from .serialization import REGISTRY
from .task_definitions import meta_from_values, task_values
from .xml import XmlProblem, parse_xml
from .zeebe_scripts import ZeebeAwareScriptTaskParser

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FORM_PROPERTY = "formJsonSchemaFilename"


@dataclass
class Finding:
    """One problem in a deployment, located as precisely as we can."""

    file: str | None
    message: str
    element_id: str | None = None
    line: int | None = None
    severity: str = "error"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "elementId": self.element_id,
            "line": self.line,
            "message": self.message,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p)
        element = f" [{self.element_id}]" if self.element_id else ""
        return f"{where}{element}: {self.message}"


@dataclass
class ProcessModel:
    """A parsed, executable process: what gets stored as one process-definition version."""

    key: str
    name: str
    bpmn_file: str
    spec: dict
    meta: dict
    content_hash: str


@dataclass
class Bundle:
    processes: dict[str, ProcessModel] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Forms made from the diagrams (camunda:formData, zeebe:userTaskForm), by file name: the
    # service stores them like uploaded form files.
    generated: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def file_kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".bpmn") or lower.endswith(".bpmn20.xml"):
        return "bpmn"
    if lower.endswith(".dmn"):
        return "dmn"
    if lower.endswith(".json"):
        return "form"
    return None


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class _Parser(SpiffBpmnParser):
    """SpiffWorkflow's parser with our DMN engine behind every business-rule task."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("businessRuleTask"): (dmn.DecisionTaskParser, dmn.DecisionTask),
        full_tag("scriptTask"): (ZeebeAwareScriptTaskParser, ScriptTask),
    }

    def __init__(self):
        # The validator checks each file against the BPMN 2.0 XSD (plus Spiff's extensions).
        super().__init__(validator=VALIDATOR)
        self.decisions: dict[str, dict] = {}

    def decision_engine(self, reference: dict, node, filename) -> dmn.DecisionEngine:
        error = dmn.reference_error(reference, node, filename, self.decisions)
        if error is not None:
            raise error
        closure = dmn.required_closure(self.decisions, reference["id"])
        return dmn.DecisionEngine(
            closure,
            reference["id"],
            reference["style"],
            reference.get("result_variable"),
            reference.get("mapping"),
        )


def parse_bundle(files: dict[str, bytes]) -> Bundle:
    """Parse every file of a deployment; never raises for bad input, reports findings instead."""
    bundle = Bundle()
    parser = _Parser()
    bpmn_roots: dict[str, etree._Element] = {}

    for name, content in sorted(files.items()):
        kind = file_kind(name)
        if kind == "form":
            _read_form(bundle, name, content)
        elif kind is None:
            bundle.findings.append(Finding(name, "unknown file type (expected .bpmn, .dmn, .json)"))

    for name, content in sorted(files.items()):
        if file_kind(name) != "dmn":
            continue
        root = _safe_root(bundle, name, content)
        if root is not None:
            _read_dmn(bundle, parser, name, root)

    for name, content in sorted(files.items()):
        if file_kind(name) != "bpmn":
            continue
        root = _safe_root(bundle, name, content)
        if root is None:
            continue
        if _spiff_call(bundle, name, parser.add_bpmn_xml, root, filename=name):
            bpmn_roots[name] = root

    # Elements per process (and per embedded sub-process): a called process in another file
    # keeps its own attributes, even where element ids repeat across files.
    elements: dict[str, _ProcessXml] = {}
    for name, root in bpmn_roots.items():
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            found = _ProcessXml(name, _elements_by_id(process))
            elements[process.get("id")] = found
            for sub in process.iter(f"{{{BPMN_NS}}}subProcess"):
                elements.setdefault(sub.get("id"), found)

    for name, root in bpmn_roots.items():
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            key = process.get("id")
            if process.get("isExecutable") == "false":
                continue
            model = _build_model(bundle, parser, name, key, process, elements)
            if model is not None:
                bundle.processes[key] = model
    bundle.findings = _unique(bundle.findings)
    return bundle


@dataclass
class _ProcessXml:
    file: str
    by_id: dict[str, etree._Element]


def _unique(findings: list[Finding]) -> list[Finding]:
    """A called process is read once per caller: report what is wrong with it once."""
    seen: set = set()
    kept = []
    for finding in findings:
        key = (finding.file, finding.element_id, finding.line, finding.message, finding.severity)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def _read_dmn(bundle: Bundle, parser: _Parser, name: str, root) -> None:
    namespace = dmn.dmn_namespace(root)
    if namespace is None:
        found = etree.QName(root).namespace
        known = ", ".join(f"DMN {v}" for v in dmn.DMN_NAMESPACES.values())
        bundle.findings.append(
            Finding(name, f"not a DMN document: namespace {found!r} is none of {known}", line=1)
        )
        return
    validator = _dmn_validator(parser.dmn_schemas.get(namespace))
    if validator is not None:
        try:
            validator.validate(root, name)
        except ValidationException as exc:
            bundle.findings.append(_finding_from_validation(name, exc))
            return
    decisions, problems = dmn.read(name, root)
    for element, message in problems:
        bundle.findings.append(_element_finding(name, element, message))
    for decision_id, decision in decisions.items():
        if decision_id in parser.decisions:
            other = parser.decisions[decision_id]["file"]
            message = f"decision id '{decision_id}' is also used in {other}"
            bundle.findings.append(_element_finding(name, root, message, element_id=decision_id))
            continue
        parser.decisions[decision_id] = decision


@functools.cache
def _dmn_validator(schema: str | None) -> BpmnValidator | None:
    """The XSD validator of a DMN version. SpiffWorkflow ships XSDs for DMN 1.1-1.3, and its
    DMN 1.2 XSD does not load (an unresolved DMNDI import): those files go unvalidated, as 1.4/1.5."""
    if schema is None:
        return None
    try:
        return BpmnValidator(schema)
    except etree.LxmlError:
        return None


def _element_finding(file_name, element, message, severity="error", element_id=None) -> Finding:
    node = element
    while element_id is None and node is not None:
        if isinstance(node.tag, str) and node.get("id"):
            element_id = node.get("id")
        node = node.getparent()
    return Finding(file_name, message, element_id=element_id, line=element.sourceline, severity=severity)


def _read_form(bundle: Bundle, name: str, content: bytes) -> None:
    try:
        schema = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        bundle.findings.append(Finding(name, f"form is not valid JSON: {exc}", line=line))
        return
    if not isinstance(schema, dict):
        bundle.findings.append(Finding(name, "form must be a JSON object (a JSON Schema)"))
        return
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.path) or "(root)"
        bundle.findings.append(Finding(name, f"form is not a valid JSON Schema at {path}: {exc.message}"))
        return
    bundle.forms[PurePath(name).name] = schema


def _safe_root(bundle: Bundle, name: str, content: bytes):
    try:
        return parse_xml(content)
    except XmlProblem as exc:
        bundle.findings.append(Finding(name, exc.message, line=exc.line))
        return None


def _spiff_call(bundle: Bundle, name: str, fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
        return True
    except ValidationException as exc:
        bundle.findings.append(_finding_from_validation(name, exc))
    except SpiffWorkflowException as exc:
        bundle.findings.append(Finding(name, str(exc)))
    except (ValueError, TypeError, KeyError, AttributeError, etree.LxmlError) as exc:
        # SpiffWorkflow raises plain exceptions for some malformed content; report, don't crash.
        bundle.findings.append(Finding(name, f"cannot parse: {exc.__class__.__name__}: {exc}"))
    return False


def _finding_from_validation(name: str, exc: ValidationException) -> Finding:
    line = exc.line_number if isinstance(exc.line_number, int) else None
    if line is None and str(exc.line_number).isdigit():
        line = int(exc.line_number)
    message = exc.args[0] if exc.args else str(exc)
    return Finding(exc.file_name or name, str(message), element_id=exc.id or None, line=line)


def _elements_by_id(root: etree._Element) -> dict[str, etree._Element]:
    """The elements of one process by id: SpiffWorkflow's parsers ignore Camunda's attributes."""
    return {
        element.get("id"): element
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _build_model(
    bundle, parser, file_name, key, process_el, elements: dict[str, _ProcessXml]
) -> ProcessModel | None:
    try:
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        bundle.findings.append(_finding_from_validation(file_name, exc))
        return None
    except SpiffWorkflowException as exc:
        bundle.findings.append(Finding(file_name, str(exc), element_id=key))
        return None

    user_tasks: dict[str, dict] = {}
    timers: dict[str, dict] = {}
    message_starts: list[str] = []
    manual_start = False
    start_lanes: set[str] = set()
    lanes: set[str] = set()
    all_specs = {key: spec, **subprocess_specs}
    lanes_by_element = {
        ref.text.strip(): ref.getparent().get("name")
        for ref in process_el.iter(f"{{{BPMN_NS}}}flowNodeRef")
        if ref.text
    }
    for process_id, process_spec in all_specs.items():
        for task_spec in process_spec.task_specs.values():
            lane = getattr(task_spec, "lane", None)
            if lane:
                lanes.add(lane)
            if isinstance(task_spec, UserTask | ManualTask):
                xml = elements.get(process_id) or elements.get(key)
                user_tasks.setdefault(process_id, {})[task_spec.name] = _user_task_meta(
                    bundle, xml, process_id, task_spec
                )
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition):
                timers[task_spec.name] = {
                    "name": task_spec.bpmn_name,
                    "expression": definition.expression,
                }
            if process_id == key and isinstance(task_spec, StartEvent):
                start_lane = lane or lanes_by_element.get(task_spec.name)
                if start_lane:
                    start_lanes.add(start_lane)
                if isinstance(definition, MessageEventDefinition):
                    message_starts.append(definition.name)
                elif definition is None or type(definition).__name__ == "NoneEventDefinition":
                    manual_start = True

    forms_used = sorted({m["form"] for tasks in user_tasks.values() for m in tasks.values() if m["form"]})
    process_camunda = {
        attr: process_el.get(f"{{{CAMUNDA_NS}}}{attr}")
        for attr in ("candidateStarterGroups", "candidateStarterUsers")
    }
    meta = {
        "user_tasks": user_tasks,
        "timers": timers,
        "message_starts": sorted(set(message_starts)),
        # Without a plain start event, starting "by hand" sends the first start message.
        "manual_start": manual_start,
        "start_lanes": sorted(start_lanes),
        "messages_caught": sorted(_message_names(all_specs, catching=True)),
        "messages_thrown": sorted(_message_names(all_specs, catching=False)),
        "lanes": sorted(lanes),
        "forms": forms_used,
        "starter_groups": _split(process_camunda.get("candidateStarterGroups")),
        "starter_users": _split(process_camunda.get("candidateStarterUsers")),
        "called_processes": sorted(k for k in subprocess_specs),
    }
    spec_doc = {
        "spec": REGISTRY.convert(spec),
        "subprocess_specs": {name: REGISTRY.convert(s) for name, s in subprocess_specs.items()},
    }
    return ProcessModel(
        key=key,
        name=process_el.get("name") or key,
        bpmn_file=file_name,
        spec=spec_doc,
        meta=meta,
        content_hash="",  # set by the caller once form hashes are known (see definition_hash)
    )


def _message_names(all_specs, catching: bool) -> set[str]:
    from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent

    wanted = CatchingEvent if catching else ThrowingEvent
    names = set()
    for process_spec in all_specs.values():
        for task_spec in process_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(task_spec, wanted) and isinstance(definition, MessageEventDefinition):
                names.add(definition.name)
    return names


def _user_task_meta(bundle: Bundle, xml: _ProcessXml | None, process_id: str, task_spec) -> dict:
    properties = task_spec.extensions.get("properties", {}) if task_spec.extensions else {}
    element = xml.by_id.get(task_spec.name) if xml is not None else None
    stated = meta_from_values(task_values(element)) if element is not None else meta_from_values([])
    groups = stated["candidate_groups"] or _split(properties.get("candidateGroups"))
    users = stated["candidate_users"] or _split(properties.get("candidateUsers"))
    lane = getattr(task_spec, "lane", None)
    if not groups and not users and lane and not stated.get("assignment"):
        groups = [lane]
    meta = {
        "name": task_spec.bpmn_name or task_spec.name,
        "lane": lane,
        "candidate_groups": groups,
        "candidate_users": users,
        "assignee": stated["assignee"] or properties.get("assignee"),
        "form": None,
        # Data the service fills in when the task opens (e.g. cases gathered across instances).
        "data_source": properties.get("dataSource"),
        "due": stated.get("due") or properties.get("dueDate"),
        "priority": stated.get("priority") or properties.get("priority"),
        "documentation": getattr(task_spec, "documentation", None),
        "instructions": (task_spec.extensions or {}).get("instructionsForEndUser"),
    }
    if stated.get("assignment"):
        meta["assignment"] = stated["assignment"]
    if element is not None:
        choice = camunda_forms.choose_form(
            element, process_id, set(bundle.forms), properties.get(FORM_PROPERTY)
        )
        for problem in choice.problems:
            bundle.findings.append(
                _element_finding(xml.file, problem.element, problem.message, problem.severity)
            )
    else:
        choice = camunda_forms.FormChoice()
    if choice.generated is not None:
        bundle.forms[choice.name] = choice.generated
        bundle.generated[choice.name] = camunda_forms.schema_bytes(choice.generated)
    meta["form"] = choice.name
    if choice.derived:
        # Mapped from a foreign form key: `resolve_forms` decides at deployment.
        meta["form_key"] = choice.original
    return meta


def definition_hash(model: ProcessModel, form_hashes: dict[str, str]) -> str:
    """Content hash of one version: the engine spec, our metadata and the forms it shows."""
    doc = {
        "spec": model.spec,
        "meta": model.meta,
        "forms": {name: form_hashes.get(name) for name in model.meta["forms"]},
    }
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
