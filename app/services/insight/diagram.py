"""A deployed version's diagram as the overlay needs it: its shapes (name, type, lane) and which
sequence flow leads from a gateway or decision to which element. Read once per version (the
stored BPMN never changes), with the hardened XML parser."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.xml import parse_xml
from app.models import ProcessDefinition
from app.services.definitions.resources import bpmn_content

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_SKIP = {"sequenceFlow", "laneSet", "lane", "documentation", "extensionElements", "incoming", "outgoing"}


@dataclass
class Diagram:
    elements: dict[str, dict] = field(default_factory=dict)  # id -> {"name", "type", "lane"}
    flows: dict[str, dict[str, str]] = field(default_factory=dict)  # source -> {target: flow id}
    flow_names: dict[str, str] = field(default_factory=dict)  # flow id -> its label

    def name(self, element_id: str) -> str:
        found = self.elements.get(element_id, {}).get("name")
        return found or element_id

    def flow(self, source: str, target: str) -> str | None:
        return self.flows.get(source, {}).get(target)

    def outgoing(self, source: str) -> dict[str, str]:
        return self.flows.get(source, {})


_CACHE: dict[str, Diagram] = {}


def diagram_of(session, definition: ProcessDefinition) -> Diagram:
    found = _CACHE.get(definition.bpmn_hash)
    if found is None:
        content = bpmn_content(session, definition)
        found = parse(content) if content else Diagram()
        if len(_CACHE) > 128:
            _CACHE.clear()
        _CACHE[definition.bpmn_hash] = found
    return found


def parse(content: bytes) -> Diagram:
    root = parse_xml(content)
    diagram = Diagram()
    for process in root.iter(f"{BPMN}process"):
        lanes = {
            ref.text.strip(): lane.get("name")
            for lane in process.iter(f"{BPMN}lane")
            for ref in lane.iter(f"{BPMN}flowNodeRef")
            if ref.text
        }
        for element in process.iter():
            if not isinstance(element.tag, str) or not element.tag.startswith(BPMN):
                continue
            kind = element.tag[len(BPMN) :]
            element_id = element.get("id")
            if kind == "sequenceFlow" and element_id:
                source, target = element.get("sourceRef"), element.get("targetRef")
                diagram.flows.setdefault(source, {})[target] = element_id
                if element.get("name"):
                    diagram.flow_names[element_id] = element.get("name")
            elif element_id and kind not in _SKIP and kind != "process":
                diagram.elements[element_id] = {
                    "name": element.get("name") or "",
                    "type": kind,
                    "lane": lanes.get(element_id),
                }
    return diagram
