"""Turn a set of BPMN/DMN/form files into deployable process models, or precise findings.

SpiffWorkflow parses and validates (BPMN XSD); we add what it does not read: the Camunda
attributes a modeller writes (candidate groups/users, assignee, form key, due date, priority)
and a summary (`meta`) the service layer uses without touching the engine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import PurePath

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .serialization import REGISTRY
from .xml import XmlProblem, parse_xml

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_TASK_ATTRS = (
    "candidateGroups",
    "candidateUsers",
    "assignee",
    "formKey",
    "dueDate",
    "priority",
)
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


def parse_bundle(files: dict[str, bytes]) -> Bundle:
    """Parse every file of a deployment; never raises for bad input, reports findings instead."""
    bundle = Bundle()
    # The validator checks each file against the BPMN 2.0 XSD (plus Spiff's extensions).
    parser = SpiffBpmnParser(validator=VALIDATOR)
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
            _spiff_call(bundle, name, parser.add_dmn_xml, root, filename=name)

    for name, content in sorted(files.items()):
        if file_kind(name) != "bpmn":
            continue
        root = _safe_root(bundle, name, content)
        if root is None:
            continue
        if _spiff_call(bundle, name, parser.add_bpmn_xml, root, filename=name):
            bpmn_roots[name] = root

    # Camunda attributes per process (and per embedded sub-process): a called process in
    # another file keeps its own attributes, even where element ids repeat across files.
    camunda: dict[str, dict[str, dict]] = {}
    for root in bpmn_roots.values():
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            attrs = _camunda_attributes(process)
            camunda[process.get("id")] = attrs
            for sub in process.iter(f"{{{BPMN_NS}}}subProcess"):
                camunda.setdefault(sub.get("id"), attrs)

    for name, root in bpmn_roots.items():
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            key = process.get("id")
            if process.get("isExecutable") == "false":
                continue
            model = _build_model(bundle, parser, name, key, process, camunda)
            if model is not None:
                bundle.processes[key] = model
    return bundle


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


def _camunda_attributes(root: etree._Element) -> dict[str, dict]:
    """Camunda task attributes by element id; SpiffWorkflow's parsers ignore them."""
    found: dict[str, dict] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        attrs = {
            attr: element.get(f"{{{CAMUNDA_NS}}}{attr}")
            for attr in (*CAMUNDA_TASK_ATTRS, "candidateStarterGroups", "candidateStarterUsers")
            if element.get(f"{{{CAMUNDA_NS}}}{attr}") is not None
        }
        if attrs and element.get("id"):
            found[element.get("id")] = attrs
    return found


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _build_model(
    bundle, parser, file_name, key, process_el, camunda: dict[str, dict[str, dict]]
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
                attrs = camunda.get(process_id, camunda.get(key, {}))
                user_tasks.setdefault(process_id, {})[task_spec.name] = _user_task_meta(
                    bundle, file_name, task_spec, attrs.get(task_spec.name, {})
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
    process_camunda = camunda.get(key, {}).get(key, {})
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


def _user_task_meta(bundle, file_name, task_spec, camunda_attrs: dict) -> dict:
    properties = task_spec.extensions.get("properties", {}) if task_spec.extensions else {}
    form = camunda_attrs.get("formKey") or properties.get(FORM_PROPERTY)
    if form and form.startswith("embedded:"):
        form = form.split(":", 2)[-1]
    groups = _split(camunda_attrs.get("candidateGroups") or properties.get("candidateGroups"))
    users = _split(camunda_attrs.get("candidateUsers") or properties.get("candidateUsers"))
    lane = getattr(task_spec, "lane", None)
    if not groups and not users and lane:
        groups = [lane]
    return {
        "name": task_spec.bpmn_name or task_spec.name,
        "lane": lane,
        "candidate_groups": groups,
        "candidate_users": users,
        "assignee": camunda_attrs.get("assignee") or properties.get("assignee"),
        "form": PurePath(form).name if form else None,
        # Data the service fills in when the task opens (e.g. cases gathered across instances).
        "data_source": properties.get("dataSource"),
        "due": camunda_attrs.get("dueDate") or properties.get("dueDate"),
        "priority": camunda_attrs.get("priority") or properties.get("priority"),
        "documentation": getattr(task_spec, "documentation", None),
        "instructions": (task_spec.extensions or {}).get("instructionsForEndUser"),
    }


def definition_hash(model: ProcessModel, form_hashes: dict[str, str]) -> str:
    """Content hash of one version: the engine spec, our metadata and the forms it shows."""
    doc = {
        "spec": model.spec,
        "meta": model.meta,
        "forms": {name: form_hashes.get(name) for name in model.meta["forms"]},
    }
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
