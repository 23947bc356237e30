"""Tiny authoring aid that writes BPMN 2.0 XML with complete DI for the Zorgpad pathways.

Each node sits on a grid cell (lane, row, column); shapes and edge waypoints are derived
from that grid, so the layout reads left to right and nothing inside a lane overlaps.
The generated files in processes/ are the source of truth; this module only saves typing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

COL_W = 150
ROW_H = 130
X0 = 260  # centre x of column 0
POOL_X = 150
LANE_X = 180  # pool header is 30 px wide
SIZES = {
    "event": (36, 36),
    "gateway": (50, 50),
    "activity": (100, 80),
}
EVENT_TAGS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
              "boundaryEvent"}
GATEWAY_TAGS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway"}


def kind(tag: str) -> str:
    if tag in EVENT_TAGS:
        return "event"
    if tag in GATEWAY_TAGS:
        return "gateway"
    return "activity"


@dataclass
class Node:
    id: str
    tag: str
    name: str
    lane: str
    col: float
    row: int = 0
    attrs: dict = field(default_factory=dict)
    ext: list = field(default_factory=list)  # xml snippets inside extensionElements
    body: list = field(default_factory=list)  # xml snippets after incoming/outgoing
    attached: str | None = None
    side: str = "bottom"
    slot: int = 0
    # filled by layout
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0

    @property
    def cx(self):
        return self.x + self.w / 2

    @property
    def cy(self):
        return self.y + self.h / 2


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    via: str | None = None  # "above" | "below" | "left" for backward flows


class Process:
    def __init__(self, pid, name, lanes, documentation=""):
        self.pid = pid
        self.name = name
        self.lanes = lanes  # list of (group key, Dutch label, rows)
        self.documentation = documentation
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.messages: dict[str, str] = {}
        self.defaults: dict[str, str] = {}

    # ---- element helpers -------------------------------------------------------------
    def add(self, node: Node) -> Node:
        assert node.id not in self.nodes, node.id
        self.nodes[node.id] = node
        return node

    def msg_id(self, name):
        mid = "msg_" + name.replace("-", "_")
        self.messages[mid] = name
        return mid

    def start(self, id, name, lane, col, row=0):
        return self.add(Node(id, "startEvent", name, lane, col, row))

    def message_start(self, id, name, lane, col, message, variable, row=0):
        return self.add(Node(id, "startEvent", name, lane, col, row,
                             body=[self._message_def(id, message, variable=variable)]))

    def timer_start(self, id, name, lane, col, cycle, row=0):
        return self.add(Node(id, "startEvent", name, lane, col, row,
                             body=[self._timer_def(id, "timeCycle", cycle)]))

    def end(self, id, name, lane, col, row=0, message=None, payload=None):
        body = [self._message_def(id, message, payload=payload)] if message else []
        return self.add(Node(id, "endEvent", name, lane, col, row, body=body))

    def throw(self, id, name, lane, col, message, payload, row=0):
        return self.add(Node(id, "intermediateThrowEvent", name, lane, col, row,
                             body=[self._message_def(id, message, payload=payload)]))

    def timer(self, id, name, lane, col, duration, row=0):
        return self.add(Node(id, "intermediateCatchEvent", name, lane, col, row,
                             body=[self._timer_def(id, "timeDuration", duration)]))

    def receive(self, id, name, lane, col, message, variable, row=0):
        mid = self.msg_id(message)
        return self.add(Node(id, "receiveTask", name, lane, col, row, attrs={"messageRef": mid},
                             ext=[f"<spiffworkflow:messageVariable>{variable}"
                                  "</spiffworkflow:messageVariable>"]))

    def user(self, id, name, lane, col, form, due, priority=50, groups=None, row=0, doc=None):
        attrs = {"camunda:dueDate": due, "camunda:priority": str(priority)}
        if groups:
            attrs["camunda:candidateGroups"] = groups
        ext = ["<spiffworkflow:properties><spiffworkflow:property name=\"formJsonSchemaFilename\""
               f" value=\"{form}\" /></spiffworkflow:properties>"]
        n = self.add(Node(id, "userTask", name, lane, col, row, attrs=attrs, ext=ext))
        n.doc = doc
        return n

    def script(self, id, name, lane, col, code, row=0):
        return self.add(Node(id, "scriptTask", name, lane, col, row,
                             attrs={"scriptFormat": "python"},
                             body=[f"<bpmn:script>{escape(code)}</bpmn:script>"]))

    def rule(self, id, name, lane, col, decision, row=0):
        return self.add(Node(id, "businessRuleTask", name, lane, col, row,
                             ext=[f"<spiffworkflow:calledDecisionId>{decision}"
                                  "</spiffworkflow:calledDecisionId>"]))

    def call(self, id, name, lane, col, called, row=0):
        return self.add(Node(id, "callActivity", name, lane, col, row,
                             attrs={"calledElement": called}))

    def xor(self, id, name, lane, col, row=0):
        return self.add(Node(id, "exclusiveGateway", name, lane, col, row))

    def ior(self, id, name, lane, col, row=0):
        return self.add(Node(id, "inclusiveGateway", name, lane, col, row))

    def add_par(self, id, name, lane, col, row=0):
        return self.add(Node(id, "parallelGateway", name, lane, col, row))

    def boundary_timer(self, id, name, host, duration, slot=0, side=None):
        h = self.nodes[host]
        n = Node(id, "boundaryEvent", name, h.lane, h.col, h.row,
                 attrs={"attachedToRef": host, "cancelActivity": "false"},
                 body=[self._timer_def(id, "timeDuration", duration)], attached=host,
                 slot=slot)
        if side:
            n.side = side
        return self.add(n)

    def flow(self, source, target, name="", condition=None, default=False, via=None, id=None):
        fid = id or f"flow_{source}_{target}"
        self.flows.append(Flow(fid, source, target, name, condition, via))
        if default:
            self.defaults[source] = fid
        return fid

    def chain(self, *ids):
        for a, b in zip(ids, ids[1:], strict=False):
            self.flow(a, b)

    def _message_def(self, id, message, variable=None, payload=None):
        mid = self.msg_id(message)
        inner = ""
        if variable:
            inner = f"<spiffworkflow:messageVariable>{variable}</spiffworkflow:messageVariable>"
        if payload:
            inner = (f"<spiffworkflow:messagePayload>{escape(payload)}"
                     "</spiffworkflow:messagePayload>")
        return (f'<bpmn:messageEventDefinition id="{id}_msgdef" messageRef="{mid}">'
                f"<bpmn:extensionElements>{inner}</bpmn:extensionElements>"
                "</bpmn:messageEventDefinition>")

    @staticmethod
    def _timer_def(id, kind_, expr):
        return (f'<bpmn:timerEventDefinition id="{id}_timerdef">'
                f'<bpmn:{kind_} xsi:type="bpmn:tFormalExpression">{escape(expr)}</bpmn:{kind_}>'
                "</bpmn:timerEventDefinition>")

    # ---- layout ----------------------------------------------------------------------
    def layout(self):
        self.lane_box = {}
        y = 80
        max_col = max(n.col for n in self.nodes.values())
        self.width = (X0 - LANE_X) + (max_col + 1) * COL_W + 20
        for key, _label, rows in self.lanes:
            h = rows * ROW_H
            self.lane_box[key] = (LANE_X, y, self.width, h)
            y += h
        self.pool = (POOL_X, 80, self.width + (LANE_X - POOL_X), y - 80)
        for n in self.nodes.values():
            w, h = SIZES[kind(n.tag)]
            n.w, n.h = w, h
            if n.attached:
                continue
            _, ly, _, _ = self.lane_box[n.lane]
            cx = X0 + n.col * COL_W
            cy = ly + ROW_H / 2 + n.row * ROW_H
            n.x, n.y = cx - w / 2, cy - h / 2
        for n in self.nodes.values():
            if n.attached:
                host = self.nodes[n.attached]
                cx = host.x + 22 + 40 * n.slot
                cy = host.y + host.h if n.side == "bottom" else host.y
                n.x, n.y = cx - n.w / 2, cy - n.h / 2

    def waypoints(self, f: Flow):
        s, t = self.nodes[f.source], self.nodes[f.target]
        sx, sy, tx, ty = s.cx, s.cy, t.cx, t.cy
        left, right = (lambda n: (n.x, n.cy)), (lambda n: (n.x + n.w, n.cy))
        top, bottom = (lambda n: (n.cx, n.y)), (lambda n: (n.cx, n.y + n.h))
        if s.attached:
            exit_ = bottom(s) if s.side == "bottom" else top(s)
            if abs(tx - sx) < 1:
                return [exit_, top(t) if ty > sy else bottom(t)]
            return [exit_, (sx, ty), left(t)]
        if f.via == "above":
            lane_y = self.lane_box[t.lane][1]
            yy = min(self.lane_box[s.lane][1], lane_y) + 12
            return [top(s), (sx, yy), (tx, yy), top(t)]
        if f.via == "below":
            yy = max(s.y + s.h, t.y + t.h) + 22
            return [bottom(s), (sx, yy), (tx, yy), bottom(t)]
        if f.via == "h":  # horizontal first, then vertical just before the target
            mx = t.x - 25
            end = left(t)
            if kind(t.tag) == "gateway":
                mx, end = tx, (top(t) if ty > sy else bottom(t))
                return [right(s), (mx, sy), end]
            return [right(s), (mx, sy), (mx, ty), end]
        if f.via == "left":  # from a lower node back to a gateway/task above-left of it
            return [left(s), (tx, sy), bottom(t) if sy > ty else top(t)]
        if abs(tx - sx) < 1:  # same column: straight vertical
            return [bottom(s), top(t)] if ty > sy else [top(s), bottom(t)]
        if abs(ty - sy) < 1:
            if tx > sx:
                return [right(s), left(t)]
            raise ValueError(f"backward flow {f.id} needs via=")
        if tx < sx:
            raise ValueError(f"backward flow {f.id} needs via=")
        if kind(s.tag) == "gateway":
            return [bottom(s) if ty > sy else top(s), (sx, ty), left(t)]
        if kind(t.tag) == "gateway":
            return [right(s), (tx, sy), top(t) if ty > sy else bottom(t)]
        mx = t.x - 25
        return [right(s), (mx, sy), (mx, ty), left(t)]

    def crossings(self):
        """Edges whose segments pass through a shape other than their own ends."""
        problems = []
        for f in self.flows:
            pts = self.waypoints(f)
            for n in self.nodes.values():
                if n.id in (f.source, f.target) or n.id == self.nodes[f.source].attached:
                    continue
                if self.nodes[n.id].attached and n.attached in (f.source, f.target):
                    continue
                for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
                    if _seg_hits(x1, y1, x2, y2, n):
                        problems.append((f.id, n.id))
                        break
        return problems

    # ---- serialisation ---------------------------------------------------------------
    def _incoming(self, nid):
        return [f.id for f in self.flows if f.target == nid]

    def _outgoing(self, nid):
        return [f.id for f in self.flows if f.source == nid]

    def node_xml(self, n: Node) -> str:
        attrs = {"id": n.id, "name": n.name, **n.attrs}
        if n.id in self.defaults:
            attrs["default"] = self.defaults[n.id]
        a = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
        parts = [f"    <bpmn:{n.tag} {a}>"]
        doc = getattr(n, "doc", None)
        if doc:
            parts.append(f"      <bpmn:documentation>{escape(doc)}</bpmn:documentation>")
        if n.ext:
            parts.append("      <bpmn:extensionElements>" + "".join(n.ext) +
                         "</bpmn:extensionElements>")
        for fid in self._incoming(n.id):
            parts.append(f"      <bpmn:incoming>{fid}</bpmn:incoming>")
        for fid in self._outgoing(n.id):
            parts.append(f"      <bpmn:outgoing>{fid}</bpmn:outgoing>")
        for b in n.body:
            parts.append("      " + b)
        parts.append(f"    </bpmn:{n.tag}>")
        return "\n".join(parts)

    def flow_xml(self, f: Flow) -> str:
        a = f'id="{f.id}" sourceRef="{f.source}" targetRef="{f.target}"'
        if f.name:
            a += f" name={quoteattr(f.name)}"
        if f.condition is None:
            return f"    <bpmn:sequenceFlow {a} />"
        return (f"    <bpmn:sequenceFlow {a}>\n      <bpmn:conditionExpression "
                f'xsi:type="bpmn:tFormalExpression">{escape(f.condition)}'
                "</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>")

    def to_xml(self) -> str:
        self.layout()
        for fid in self.defaults.values():
            assert any(f.id == fid for f in self.flows), fid
        pid = self.pid
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
               ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"'
               ' xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"'
               ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI"'
               ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
               ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
               ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
               f' id="defs_{pid}" targetNamespace="https://zorgpad.example/bpmn/{pid}"'
               ' exporter="zorgpad pathways_dsl" exporterVersion="1">']
        for mid, name in sorted(self.messages.items()):
            out.append(f'  <bpmn:message id="{mid}" name="{name}" />')
        out.append(f'  <bpmn:collaboration id="collab_{pid}">')
        out.append(f'    <bpmn:participant id="part_{pid}" name={quoteattr(self.name)}'
                   f' processRef="{pid}" />')
        out.append("  </bpmn:collaboration>")
        out.append(f'  <bpmn:process id="{pid}" name={quoteattr(self.name)} isExecutable="true">')
        if self.documentation:
            out.append(f"    <bpmn:documentation>{escape(self.documentation)}</bpmn:documentation>")
        out.append(f'    <bpmn:laneSet id="lanes_{pid}">')
        for key, label, _rows in self.lanes:
            out.append(f'      <bpmn:lane id="lane_{pid}_{key.replace("-", "_")}" name="{key}">')
            out.append(f"        <bpmn:documentation>{escape(label)}</bpmn:documentation>")
            for n in self.nodes.values():
                if n.lane == key:
                    out.append(f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>")
            out.append("      </bpmn:lane>")
        out.append("    </bpmn:laneSet>")
        for n in self.nodes.values():
            out.append(self.node_xml(n))
        for f in self.flows:
            out.append(self.flow_xml(f))
        out.append("  </bpmn:process>")
        out.append(f'  <bpmndi:BPMNDiagram id="diagram_{pid}">')
        out.append(f'    <bpmndi:BPMNPlane id="plane_{pid}" bpmnElement="collab_{pid}">')

        def shape(el, box, extra=""):
            x, y, w, h = box
            out.append(f'      <bpmndi:BPMNShape id="{el}_di" bpmnElement="{el}"{extra}>'
                       f'<dc:Bounds x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" />'
                       "</bpmndi:BPMNShape>")

        shape(f"part_{pid}", self.pool, ' isHorizontal="true"')
        for key, _label, _rows in self.lanes:
            shape(f'lane_{pid}_{key.replace("-", "_")}', self.lane_box[key],
                  ' isHorizontal="true"')
        for n in self.nodes.values():
            extra = ' isMarkerVisible="true"' if n.tag == "exclusiveGateway" else ""
            shape(n.id, (n.x, n.y, n.w, n.h), extra)
        for f in self.flows:
            pts = "".join(f'<di:waypoint x="{x:g}" y="{y:g}" />' for x, y in self.waypoints(f))
            out.append(f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">{pts}'
                       "</bpmndi:BPMNEdge>")
        out.append("    </bpmndi:BPMNPlane>")
        out.append("  </bpmndi:BPMNDiagram>")
        out.append("</bpmn:definitions>")
        return "\n".join(out) + "\n"


def _seg_hits(x1, y1, x2, y2, n, pad=2):
    lo_x, hi_x = sorted((x1, x2))
    lo_y, hi_y = sorted((y1, y2))
    return not (hi_x < n.x - pad or lo_x > n.x + n.w + pad or hi_y < n.y - pad
                or lo_y > n.y + n.h + pad)
