"""Static checks of processes/*.bpmn, *.dmn and forms/*.schema.json (no service layer)."""

from __future__ import annotations

import ast
import json

import pytest
from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from tests.support import ZRM_DOMAINS

from .helpers import (
    CAMUNDA,
    FORMS,
    GROUPS,
    MESSAGES,
    NS,
    PROCESS_IDS,
    assert_safe,
    bpmn_files,
    dmn_files,
    xml,
)

WIDGETS = {"textarea", "radio", "select", "scale", "checkbox", "date", "repeat"}
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "userTask",
    "scriptTask",
    "businessRuleTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "task",
    "subProcess",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
)
WD = "=add_working_days(now(), {})"

# Due norms from domain.md (and the escalation timers that guard them)
DUE_NORMS = {
    ("triage", "ut_eerste_contact"): WD.format(2),
    ("triage", "ut_meldpunt"): WD.format(2),
    ("triage", "ut_wmo_onderzoek"): "P6W",
    ("triage", "ut_wmo_besluit"): "P2W",
    ("triage", "ut_wvggz_onderzoek"): "P14D",
    ("opschalen", "ut_signaal"): WD.format(1),
    ("opschalen", "ut_wvggz_onderzoek"): "P14D",
    ("opschalen", "ut_bordbesluit"): "P1D",
    ("opschalen", "ut_bordbespreking"): "P1D",
    ("verwijzing", "ut_intake"): "P4W",
    ("verwijzing", "ut_start_behandeling"): "P10W",
    ("afschalen", "ut_overdracht_accepteren"): WD.format(5),
}
TIMERS = {
    ("triage", "bt_eerste_contact"): "working_days(2)",
    ("triage", "bt_meldpunt"): "working_days(2)",
    ("triage", "bt_wmo_onderzoek"): '"P6W"',
    ("triage", "bt_wmo_besluit"): '"P2W"',
    ("triage", "bt_wvggz_onderzoek"): '"P14D"',
    ("triage", "tm_vervolg_4w"): '"P4W"',
    ("crisisbeoordeling", "bt_crisisbeoordeling"): '"PT1H" if crisismelding["urgentie"] == "1u" else "PT4H" '
    'if crisismelding["urgentie"] == "4u" else "PT24H"',
    ("opschalen", "bt_signaal"): "working_days(1)",
    ("opschalen", "bt_wvggz_onderzoek"): '"P14D"',
    ("opschalen", "tm_dag"): '"P1D"',
    ("opschalen", "bt_wachttijd_14w"): '"P14W"',
    ("verwijzing", "bt_wachttijd_4w"): '"P4W"',
    ("afschalen", "tm_herbeoordeling"): '"P3M"',
    ("afschalen", "bt_overdracht"): "working_days(5)",
    ("afschalen", "tm_nazorg_2w"): '"P2W"',
    ("afschalen", "tm_nazorg_3m"): '"P10W"',
    ("leren", "start_leren"): '"R/P2W"',
}


def processes():
    for path in bpmn_files():
        doc = xml(path)
        for proc in doc.iterfind("bpmn:process", NS):
            yield path, doc, proc


def local(el):
    return el.tag.split("}")[1]


def flow_nodes(proc):
    return [
        el
        for el in proc.iter()
        if isinstance(el.tag, str)
        and "}" in el.tag
        and local(el) in FLOW_NODES
        and el.tag.startswith("{" + NS["bpmn"])
    ]


def all_user_tasks():
    for _path, _doc, proc in processes():
        for ut in proc.iterfind(".//bpmn:userTask", NS):
            yield proc.get("id"), ut


def form_file(ut):
    prop = ut.find(".//spiffworkflow:property[@name='formJsonSchemaFilename']", NS)
    return prop.get("value") if prop is not None else None


# ------------------------------------------------------------------ parsing
def test_every_file_is_expected():
    assert {p.stem for p in bpmn_files()} == set(PROCESS_IDS)
    assert {p.name for p in dmn_files()} >= {"triage-urgentie-route.dmn", "afschalen-gereedheid.dmn"}


@pytest.mark.parametrize("pid", PROCESS_IDS)
def test_process_parses(parser, pid):
    spec = parser.get_spec(pid)
    subs = parser.get_subprocess_specs(pid)
    assert spec.name == pid
    if pid == "opschalen":
        assert set(subs) == {"verwijzing"}


def test_every_business_rule_task_finds_its_decision(parser):
    decisions = {d.get("id") for f in dmn_files() for d in xml(f).iterfind("dmn:decision", NS)}
    called = {
        el.text
        for _p, _d, proc in processes()
        for el in proc.iterfind(".//spiffworkflow:calledDecisionId", NS)
    }
    assert called == {"triage_urgentie_route", "afschalen_gereedheid"}
    assert called <= decisions


def test_dmn_tables_are_first_or_unique_and_safe():
    for f in dmn_files():
        for table in xml(f).iterfind(".//dmn:decisionTable", NS):
            assert table.get("hitPolicy") in ("FIRST", "UNIQUE")
            for text in table.iterfind("dmn:input/dmn:inputExpression/dmn:text", NS):
                assert_safe(text.text)
            n_in = len(table.findall("dmn:input", NS))
            for rule in table.iterfind("dmn:rule", NS):
                entries = rule.findall("dmn:inputEntry/dmn:text", NS)
                assert len(entries) == n_in
                for e in entries:
                    if e.text and e.text != "-":
                        assert_safe(e.text if e.text.lstrip()[0] not in "<>=!i" else "x " + e.text)
                for e in rule.iterfind("dmn:outputEntry/dmn:text", NS):
                    ast.literal_eval(e.text)
            last = table.findall("dmn:rule", NS)[-1]
            assert all(
                not (e.text or "").strip() or e.text == "-"
                for e in last.findall("dmn:inputEntry/dmn:text", NS)
            ), "needs a catch-all"


# ------------------------------------------------------------------ lanes and groups
def test_collaboration_with_one_participant_and_lanes():
    for _path, doc, proc in processes():
        parts = doc.findall("bpmn:collaboration/bpmn:participant", NS)
        assert [p.get("processRef") for p in parts] == [proc.get("id")]
        lanes = proc.findall("bpmn:laneSet/bpmn:lane", NS)
        assert lanes
        names = [lane.get("name") for lane in lanes]
        assert set(names) <= GROUPS, set(names) - GROUPS
        assert "resident" not in names  # the resident acts through a professional
        refs = [r.text for lane in lanes for r in lane.iterfind("bpmn:flowNodeRef", NS)]
        assert len(refs) == len(set(refs))
        ids = {el.get("id") for el in flow_nodes(proc)}
        assert set(refs) == ids, "every flow node sits in exactly one lane"


def test_candidate_groups_are_groups():
    for _pid, ut in all_user_tasks():
        groups = ut.get(CAMUNDA + "candidateGroups")
        if groups:
            assert set(groups.split(",")) <= GROUPS


def test_insurer_lane_only_holds_waiting_list_mediation():
    for _path, _doc, proc in processes():
        for lane in proc.iterfind("bpmn:laneSet/bpmn:lane[@name='verzekeraar']", NS):
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                el = proc.find(f".//*[@id='{ref.text}']")
                if local(el) == "userTask":
                    assert form_file(el) == "wachtlijstbemiddeling.schema.json"


# ------------------------------------------------------------------ user tasks and forms
def test_user_tasks_have_form_due_date_and_priority():
    for pid, ut in all_user_tasks():
        name = form_file(ut)
        assert name, (pid, ut.get("id"))
        assert (FORMS / name).is_file(), name
        due = ut.get(CAMUNDA + "dueDate")
        assert due, (pid, ut.get("id"))
        if due.startswith("="):
            assert_safe(due[1:])
        else:
            TimerEventDefinition.parse_iso_duration(due)
        prio = ut.get(CAMUNDA + "priority")
        if prio.startswith("="):
            assert_safe(prio[1:])
        else:
            assert 0 <= int(prio) <= 100


def test_due_norms_from_domain():
    found = {(pid, ut.get("id")): ut.get(CAMUNDA + "dueDate") for pid, ut in all_user_tasks()}
    for key, due in DUE_NORMS.items():
        assert found[key] == due, key
    crisis = found["crisisbeoordeling", "ut_crisisbeoordeling"]
    assert crisis.startswith("=") and "PT1H" in crisis and "PT4H" in crisis


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.schema.json")), ids=lambda p: p.name)
def test_form_is_valid_schema_with_ui_hints(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = schema["properties"]
    ui = schema["x-ui"]
    assert ui["order"] == list(props)
    assert set(ui["widgets"]) <= set(props)
    assert set(ui["widgets"].values()) <= WIDGETS
    assert set(ui["help"]) <= set(props)
    assert set(schema["required"]) <= set(props)
    for key, field in props.items():
        assert field.get("title"), f"{path.name}:{key} needs a Dutch title"


def test_every_form_is_used():
    used = {form_file(ut) for _pid, ut in all_user_tasks()}
    assert used == {p.name for p in FORMS.glob("*.schema.json")}


def test_zrm_fields_are_codes_scored_1_to_5_without_matrix_texts():
    codes = set(ZRM_DOMAINS)
    for name in ("triage-vraagverkenning", "afschalen-evaluatie"):
        zrm = json.loads((FORMS / f"{name}.schema.json").read_text())["properties"]["zrm"]
        assert set(zrm["properties"]) == codes
        for field in zrm["properties"].values():
            assert (field["type"], field["minimum"], field["maximum"]) == ("integer", 1, 5)
            assert set(field) == {"type", "title", "minimum", "maximum"}


def test_intake_form_covers_the_instruments():
    props = json.loads((FORMS / "triage-vraagverkenning.schema.json").read_text())["properties"]
    pg = props["positieve_gezondheid"]["properties"]
    assert len(pg) == 6 and all((f["minimum"], f["maximum"]) == (0, 10) for f in pg.values())
    assert props["netwerk"]["type"] == "array"
    assert props["netwerk"]["items"]["type"] == "object"
    assert props["toestemming_delen_domeinen"]["type"] == "boolean"
    assert len(props["vier_d_knelpunten"]["items"]["oneOf"]) == 4


def test_insurer_form_holds_no_case_data():
    props = json.loads((FORMS / "wachtlijstbemiddeling.schema.json").read_text())["properties"]
    assert set(props) == {"bemiddeling_uitkomst", "alternatieve_aanbieder", "bemiddeld_op"}


# ------------------------------------------------------------------ timers, messages, flows
def test_timers_follow_the_norms_and_boundaries_do_not_cancel():
    found = {}
    for _path, _doc, proc in processes():
        for td in proc.iterfind(".//bpmn:timerEventDefinition", NS):
            event = td.getparent()
            expr = td[0].text
            found[proc.get("id"), event.get("id")] = expr
            assert_safe(expr)
            if local(event) == "boundaryEvent":
                assert event.get("cancelActivity") == "false", event.get("id")
                out = proc.find(f"bpmn:sequenceFlow[@sourceRef='{event.get('id')}']", NS)
                target = proc.find(f"*[@id='{out.get('targetRef')}']")
                assert local(target) == "userTask"
                assert (
                    "Escaleren naar regievoerder" in target.get("name")
                    or form_file(target) == "wachtlijstbemiddeling.schema.json"
                )
            try:
                value = ast.literal_eval(expr)
            except ValueError:
                continue
            if value.startswith("R"):
                TimerEventDefinition.parse_iso_recurring_interval(value)
            else:
                TimerEventDefinition.parse_iso_duration(value)
    assert found == TIMERS


def test_escalation_tasks_are_for_the_case_director():
    for _path, _doc, proc in processes():
        lane_of = {
            r.text: lane.get("name")
            for lane in proc.iterfind(".//bpmn:lane", NS)
            for r in lane.iterfind("bpmn:flowNodeRef", NS)
        }
        for ut in proc.iterfind("bpmn:userTask", NS):
            if ut.get("name").startswith("Escaleren naar regievoerder"):
                assert lane_of[ut.get("id")] == "wijkteam-regie"
                assert form_file(ut) == "escalatie.schema.json"


def test_messages_names_and_payloads():
    for _path, doc, proc in processes():
        names = {m.get("id"): m.get("name") for m in doc.iterfind("bpmn:message", NS)}
        assert set(names.values()) <= MESSAGES
        for med in proc.iterfind(".//bpmn:messageEventDefinition", NS):
            assert med.get("messageRef") in names
            event = med.getparent()
            payload = med.find(".//spiffworkflow:messagePayload", NS)
            variable = med.find(".//spiffworkflow:messageVariable", NS)
            if local(event) in ("endEvent", "intermediateThrowEvent"):
                assert payload is not None and variable is None
                assert isinstance(ast.parse(payload.text, mode="eval").body, ast.Dict)
                assert_safe(payload.text)
            else:
                assert variable is not None and payload is None
                assert variable.text.isidentifier()


def test_gateways_have_default_or_full_conditions_and_safe_code():
    for _path, _doc, proc in processes():
        for flow in proc.iterfind("bpmn:sequenceFlow", NS):
            cond = flow.find("bpmn:conditionExpression", NS)
            if cond is not None:
                assert_safe(cond.text)
        for gw in proc.iterfind("bpmn:exclusiveGateway", NS):
            outs = proc.findall(f"bpmn:sequenceFlow[@sourceRef='{gw.get('id')}']", NS)
            if len(outs) > 1:
                assert gw.get("default") in {o.get("id") for o in outs}, gw.get("id")
                for o in outs:
                    has_cond = o.find("bpmn:conditionExpression", NS) is not None
                    assert has_cond != (o.get("id") == gw.get("default")), o.get("id")
        for gw in proc.iterfind("bpmn:inclusiveGateway", NS):
            outs = proc.findall(f"bpmn:sequenceFlow[@sourceRef='{gw.get('id')}']", NS)
            if len(outs) > 1:
                conds = [o.find("bpmn:conditionExpression", NS) for o in outs]
                assert any(c is not None and c.text == "True" for c in conds)
        for script in proc.iterfind(".//bpmn:script", NS):
            assert_safe(script.text, mode="exec")
            assert len(script.text.splitlines()) <= 5


def test_user_tasks_are_not_in_a_resident_lane():
    for _path, _doc, proc in processes():
        assert proc.find("bpmn:laneSet/bpmn:lane[@name='resident']", NS) is None


# ------------------------------------------------------------------ diagram interchange
def bounds(shape):
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def on_border(pt, box, tol=1.5):
    x, y = pt
    bx, by, bw, bh = box
    inside = bx - tol <= x <= bx + bw + tol and by - tol <= y <= by + bh + tol
    edge = min(abs(x - bx), abs(x - bx - bw)) <= tol or min(abs(y - by), abs(y - by - bh)) <= tol
    return inside and edge


def overlap(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@pytest.mark.parametrize("path", bpmn_files(), ids=lambda p: p.stem)
def test_di_is_complete_and_connected(path):
    doc = xml(path)
    proc = doc.find("bpmn:process", NS)
    shapes = {s.get("bpmnElement"): bounds(s) for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {
        e.get("bpmnElement"): [(float(w.get("x")), float(w.get("y"))) for w in e.iterfind("di:waypoint", NS)]
        for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)
    }
    plane = doc.find(".//bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == doc.find("bpmn:collaboration", NS).get("id")
    needed = [el.get("id") for el in flow_nodes(proc)]
    needed += [lane.get("id") for lane in proc.iterfind(".//bpmn:lane", NS)]
    needed += [p.get("id") for p in doc.iterfind(".//bpmn:participant", NS)]
    assert set(needed) <= set(shapes), set(needed) - set(shapes)
    flows = proc.findall("bpmn:sequenceFlow", NS) + doc.findall(".//bpmn:messageFlow", NS)
    assert {f.get("id") for f in flows} <= set(edges)
    for f in flows:
        pts = edges[f.get("id")]
        assert len(pts) >= 2
        assert on_border(pts[0], shapes[f.get("sourceRef")]), f.get("id")
        assert on_border(pts[-1], shapes[f.get("targetRef")]), f.get("id")
        for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{f.get('id')} is not orthogonal"


@pytest.mark.parametrize("path", bpmn_files(), ids=lambda p: p.stem)
def test_layout_has_no_overlaps_and_fits_lanes(path):
    doc = xml(path)
    proc = doc.find("bpmn:process", NS)
    shapes = {s.get("bpmnElement"): bounds(s) for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    pool = shapes[doc.find(".//bpmn:participant", NS).get("id")]
    boundary = {b.get("id"): b.get("attachedToRef") for b in proc.iterfind("bpmn:boundaryEvent", NS)}
    lanes = proc.findall("bpmn:laneSet/bpmn:lane", NS)
    lane_boxes = [shapes[lane.get("id")] for lane in lanes]
    for a, b in zip(lane_boxes, lane_boxes[1:], strict=False):
        assert a[1] + a[3] == b[1], "lanes are stacked without gaps or overlap"
    for lane in lanes:
        lx, ly, lw, lh = shapes[lane.get("id")]
        assert pool[0] < lx and lx + lw <= pool[0] + pool[2]
        ids = [r.text for r in lane.iterfind("bpmn:flowNodeRef", NS) if r.text not in boundary]
        for i, a in enumerate(ids):
            x, y, w, h = shapes[a]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, a
            for b in ids[i + 1 :]:
                assert not overlap(shapes[a], shapes[b]), (a, b)
    for bid, host in boundary.items():
        x, y, w, h = shapes[bid]
        assert on_border((x + w / 2, y + h / 2), shapes[host]), bid


@pytest.mark.parametrize("path", bpmn_files(), ids=lambda p: p.stem)
def test_reads_left_to_right(path):
    """Start events are leftmost; every end event is right of every start event."""
    doc = xml(path)
    proc = doc.find("bpmn:process", NS)
    shapes = {s.get("bpmnElement"): bounds(s) for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    starts = [shapes[e.get("id")][0] for e in proc.iterfind("bpmn:startEvent", NS)]
    others = [shapes[e.get("id")][0] for e in flow_nodes(proc) if local(e) != "startEvent"]
    assert max(starts) < min(others)
    ends = [shapes[e.get("id")][0] for e in proc.iterfind("bpmn:endEvent", NS)]
    assert min(ends) > max(starts)


@pytest.mark.parametrize("path", bpmn_files(), ids=lambda p: p.stem)
def test_edges_do_not_run_through_other_shapes(path):
    doc = xml(path)
    proc = doc.find("bpmn:process", NS)
    nodes = {el.get("id") for el in flow_nodes(proc)}
    shapes = {
        s.get("bpmnElement"): bounds(s)
        for s in doc.iterfind(".//bpmndi:BPMNShape", NS)
        if s.get("bpmnElement") in nodes
    }
    attached = {b.get("id"): b.get("attachedToRef") for b in proc.iterfind("bpmn:boundaryEvent", NS)}
    for edge in doc.iterfind(".//bpmndi:BPMNEdge", NS):
        flow = proc.find(f"bpmn:sequenceFlow[@id='{edge.get('bpmnElement')}']", NS)
        ends = {flow.get("sourceRef"), flow.get("targetRef")}
        ends |= {attached.get(e) for e in ends} | {b for b, h in attached.items() if h in ends}
        pts = [(float(w.get("x")), float(w.get("y"))) for w in edge.iterfind("di:waypoint", NS)]
        for sid, (x, y, w, h) in shapes.items():
            if sid in ends:
                continue
            for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
                hit = not (max(x1, x2) < x or min(x1, x2) > x + w or max(y1, y2) < y or min(y1, y2) > y + h)
                assert not hit, f"{flow.get('id')} runs through {sid}"
