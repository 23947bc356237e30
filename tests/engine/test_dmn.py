"""Our DMN engine: every hit policy, requirement graphs, dialects per file, Camunda's invoice."""

from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from app.engine import ProcessRun, dmn, parse_bundle
from app.engine.decisions import NoRuleMatched
from app.engine.dmn import DecisionError, evaluate_decision
from app.engine.runtime import EngineError
from app.engine.validation import validate_files
from app.engine.xml import parse_xml

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
INVOICE_DMN = CORPUS / "camunda-invoice" / "invoiceBusinessDecisions.dmn"
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NAMESPACES = {
    "1.1": "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "1.2": "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "1.3": DMN13,
    "1.4": "https://www.omg.org/spec/DMN/20211108/MODEL/",
    "1.5": "https://www.omg.org/spec/DMN/20230324/MODEL/",
}
CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/dmn"'


def table(
    rules,
    *,
    decision_id="d",
    policy=None,
    aggregation=None,
    inputs=("x",),
    outputs=("out",),
    output_values=None,
    required=(),
):
    """One <decision> with a decision table; `rules` are (input cells, output cells)."""
    attrs = f' hitPolicy="{policy}"' if policy else ""
    attrs += f' aggregation="{aggregation}"' if aggregation else ""
    parts = [f'<decision id="{decision_id}" name="{decision_id.title()}">']
    for index, needed in enumerate(required):
        parts.append(
            f'<informationRequirement id="{decision_id}_req{index}"><requiredDecision href="#{needed}" />'
            "</informationRequirement>"
        )
    parts.append(f'<decisionTable id="{decision_id}_t"{attrs}>')
    for index, expression in enumerate(inputs):
        parts.append(
            f'<input id="{decision_id}_i{index}" label="{expression}">'
            f'<inputExpression id="{decision_id}_ie{index}">'
            f"<text>{escape(expression)}</text></inputExpression></input>"
        )
    for index, name in enumerate(outputs):
        values = ""
        if output_values and index < len(output_values):
            values = f"<outputValues><text>{escape(output_values[index])}</text></outputValues>"
        parts.append(f'<output id="{decision_id}_o{index}" name="{name}">{values}</output>')
    for number, (cells_in, cells_out) in enumerate(rules, start=1):
        parts.append(f'<rule id="{decision_id}_r{number}">')
        for index, cell in enumerate(cells_in):
            parts.append(
                f'<inputEntry id="{decision_id}_r{number}_i{index}"><text>{escape(cell)}</text></inputEntry>'
            )
        for index, cell in enumerate(cells_out):
            parts.append(
                f'<outputEntry id="{decision_id}_r{number}_o{index}">'
                f"<text>{escape(cell)}</text></outputEntry>"
            )
        parts.append("</rule>")
    parts.append("</decisionTable></decision>")
    return "".join(parts)


def document(*decisions, namespace=DMN13, extra=CAMUNDA) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="{namespace}" {extra} id="defs" '
        f'name="Decisions" namespace="http://camunda.org/schema/1.0/dmn">{"".join(decisions)}</definitions>'
    ).encode()


def read(content: bytes, name="t.dmn"):
    decisions, problems = dmn.read(name, parse_xml(content))
    assert problems == []
    return decisions


def decide(content: bytes, data: dict, decision_id="d"):
    return evaluate_decision(read(content), decision_id, data)


SCORES = [
    (["< 3"], ['"low"']),
    (["[3..6]"], ['"mid"']),
    ([">= 5"], ['"high"']),
]


def test_unique_gives_the_one_match_and_refuses_overlap_and_gaps():
    content = document(table(SCORES[:2] + [([">= 7"], ['"high"'])]))
    assert decide(content, {"x": 4}).value == "mid"
    with pytest.raises(NoRuleMatched, match="no rule of decision table 'D'"):
        decide(content, {"x": 6.5})
    overlapping = document(table(SCORES))
    with pytest.raises(DecisionError, match="UNIQUE, but rules 2, 3 all match"):
        decide(overlapping, {"x": 5})


def test_first_takes_the_first_match_in_rule_order():
    content = document(table(SCORES, policy="FIRST"))
    evaluation = decide(content, {"x": 5})
    assert evaluation.value == "mid"
    assert [(rule["row"], applied) for rule, applied in evaluation.matched] == [(2, True), (3, False)]


def test_priority_follows_the_order_of_output_values():
    content = document(table(SCORES, policy="PRIORITY", output_values=['"high","mid","low"']))
    assert decide(content, {"x": 5}).value == "high"
    assert decide(content, {"x": 1}).value == "low"


def test_any_accepts_agreeing_matches_and_refuses_disagreeing_ones():
    agreeing = document(table([(["> 1"], ['"yes"']), (["> 2"], ['"yes"'])], policy="ANY"))
    assert decide(agreeing, {"x": 5}).value == "yes"
    disagreeing = document(table([(["> 1"], ['"yes"']), (["> 2"], ['"no"'])], policy="ANY"))
    with pytest.raises(DecisionError, match="ANY, but rules 1, 2 give different outputs"):
        decide(disagreeing, {"x": 5})


@pytest.mark.parametrize(
    ("aggregation", "x", "expected"),
    [(None, 5, [10, 20]), ("SUM", 5, 30), ("MIN", 5, 10), ("MAX", 5, 20), ("COUNT", 5, 2), ("COUNT", 0, 0),
     ("SUM", 0, None), (None, 0, [])],
)  # fmt: skip
def test_collect_with_and_without_aggregation(aggregation, x, expected):
    content = document(
        table([(["> 1"], ["10"]), (["> 2"], ["20"])], policy="COLLECT", aggregation=aggregation)
    )
    assert decide(content, {"x": x}).value == expected


def test_rule_order_and_output_order():
    rules = [(["> 1"], ['"b"']), (["> 2"], ['"a"']), (["> 3"], ['"c"'])]
    assert decide(document(table(rules, policy="RULE ORDER")), {"x": 5}).value == ["b", "a", "c"]
    ordered = table(rules, policy="OUTPUT ORDER", output_values=['"a","b","c"'])
    assert decide(document(ordered), {"x": 5}).value == ["a", "b", "c"]


def test_several_outputs_give_a_context_per_rule():
    content = document(table([(["-"], ['"r"', "1 + 1"])], outputs=("route", "score")))
    assert decide(content, {"x": 0}).value == {"route": "r", "score": 2}


def test_a_requirement_graph_evaluates_required_decisions_first():
    risk = table([(["> 7"], ['"high"']), (["<= 7"], ['"low"'])], decision_id="risk", inputs=("score",),
                 outputs=("risk",))  # fmt: skip
    team = table(
        [
            (['"high"', "true"], ['"crisis"']),
            (['"high"', "false"], ['"fact"']),
            (['"low"', "-"], ['"wijkteam"']),
        ],
        decision_id="team",
        inputs=("risk", "known"),
        outputs=("team",),
        required=("risk",),
    )
    advice = table([(['"crisis"'], ['"now"']), (["-"], ['"later"'])], decision_id="advice", policy="FIRST",
                   inputs=("team",), outputs=("when",), required=("team",))  # fmt: skip
    content = document(advice, team, risk)  # any order in the file
    evaluation = decide(content, {"score": 9, "known": True}, decision_id="advice")
    assert evaluation.value == "now"
    [team_evidence] = evaluation.evidence()["requiredDecisions"]
    assert team_evidence["decisionId"] == "team"
    assert team_evidence["requiredDecisions"][0]["inputs"][0]["value"] == 9
    assert decide(content, {"score": 2, "known": True}, decision_id="advice").value == "later"


def test_graph_mistakes_are_findings():
    cycle = document(
        table([(["-"], ["1"])], decision_id="a", required=("b",)),
        table([(["-"], ["1"])], decision_id="b", required=("a",)),
    )
    _, problems = dmn.read("c.dmn", parse_xml(cycle))
    assert any("require each other: a -> b -> a" in message for _, message in problems)
    missing = document(table([(["-"], ["1"])], decision_id="a", required=("nope",)))
    _, problems = dmn.read("m.dmn", parse_xml(missing))
    assert [message for _, message in problems] == ["required decision 'nope' is not in this file"]


@pytest.mark.parametrize("version", sorted(NAMESPACES))
def test_every_dmn_version_from_1_1_to_1_5(version):
    content = document(table(SCORES[:2]), namespace=NAMESPACES[version])
    assert decide(content, {"x": 1}).value == "low"
    bundle = parse_bundle({"t.dmn": content})
    assert bundle.findings == []


def test_a_literal_expression_decision():
    content = document(
        '<decision id="d" name="D"><variable name="total" typeRef="number" />'
        "<literalExpression><text>sum(for l in lines return l.price)</text></literalExpression></decision>"
    )
    assert decide(content, {"lines": [{"price": 2}, {"price": 3.5}]}).value == 5.5


def test_files_without_camunda_markers_keep_the_python_subset():
    cells = [
        (['"a", "b"'], ['"ab"']),
        (["in ['c']"], ['"c"']),
        (["4 < ? < 6"], ['"mid"']),
        (["-"], ['"other"']),
    ]
    content = document(table(cells, policy="FIRST"), extra="")
    assert dmn.file_dialect(parse_xml(content)) == "python"
    assert decide(content, {"x": "b"}).value == "ab"  # any of the listed values
    assert decide(content, {"x": "c"}).value == "c"
    assert decide(content, {"x": 5}).value == "mid"
    assert decide(content, {"x": 9}).value == "other"


def test_expression_language_attributes_choose_the_dialect():
    feel_uri = 'expressionLanguage="https://www.omg.org/spec/DMN/20191111/FEEL/"'
    content = document(table([(["[1..3]"], ['"in"']), (["-"], ['"out"'])], policy="FIRST"), extra=feel_uri)
    assert decide(content, {"x": 2}).value == "in"
    juel_cell = document(table([(["-"], ["${x * 2}"])]))
    assert decide(juel_cell, {"x": 4}).value == 8


def test_cells_are_checked_in_their_dialect_with_element_and_line():
    content = document(
        table([(["function(x) 1"], ['"a"']), (['"b"'], ["${''.getClass()}"]), (["[1..2"], ['"c"'])])
    )
    findings = {f.element_id: f for f in validate_files({"t.dmn": content})}
    assert set(findings) == {"d_r1_i0", "d_r2_o0", "d_r3_i0"}
    assert "FEEL: function definitions are not supported" in findings["d_r1_i0"].message
    assert "JUEL: the member 'getClass'" in findings["d_r2_o0"].message
    assert findings["d_r3_i0"].line == 1
    python = document(table([(["[250..1000]"], ['"x"'])]), extra="")
    [finding] = validate_files({"p.dmn": python})
    assert "read as Zorgpad's Python subset" in finding.message


def test_structure_problems_are_findings_of_the_bundle():
    content = document(
        table([(["-"], ["1"])], policy="SOMETIMES"),
        table([(["-", "-"], ["1"])], decision_id="e"),
        table([(["-"], ["1"])], decision_id="f", policy="FIRST", aggregation="SUM"),
        namespace=NAMESPACES["1.4"],  # no XSD: our own checks speak
    )
    bundle = parse_bundle({"t.dmn": content})
    messages = sorted(f.message for f in bundle.findings)
    assert any("hit policy 'SOMETIMES'" in m for m in messages)
    assert any("rule 1 has 2 input and 1 output cells" in m for m in messages)
    assert any("aggregation SUM needs hit policy COLLECT" in m for m in messages)
    assert all(f.element_id and f.line for f in bundle.findings)


def test_input_types_are_converted_as_camunda_does():
    content = document(
        '<decision id="d" name="D"><decisionTable id="t"><input id="i">'
        '<inputExpression id="ie" typeRef="date">'
        '<text>day</text></inputExpression></input><output id="o" name="out" typeRef="integer" />'
        '<rule id="r"><inputEntry id="e"><text>&lt; date and time("2026-03-02T00:00:00")</text></inputEntry>'
        '<outputEntry id="oe"><text>2.0</text></outputEntry></rule></decisionTable></decision>'
    )
    evaluation = decide(content, {"day": "2026-03-01T10:00:00"})
    assert evaluation.value == 2 and type(evaluation.value) is int
    with pytest.raises(DecisionError, match="is not a date"):
        decide(content, {"day": 5})


# ---- the Camunda invoice example: Camunda's answers ------------------------------------------

needs_corpus = pytest.mark.skipif(not INVOICE_DMN.exists(), reason="../shared/corpus is absent")


@needs_corpus
@pytest.mark.parametrize(
    ("amount", "category", "classification", "approvers"),
    [
        # InvoiceTestCase (happy paths) and the demo data of the example application
        (300.0, "Travel Expenses", "day-to-day expense", ["accounting", "sales"]),
        (30.0, "Travel Expenses", "day-to-day expense", ["accounting", "sales"]),
        (10.99, "Travel Expenses", "day-to-day expense", ["accounting", "sales"]),
        (900.0, "Misc", "budget", ["management"]),
        # every rule of the classification table, at its boundaries
        (249.99, "Misc", "day-to-day expense", ["accounting", "sales"]),
        (250, "Misc", "budget", ["management"]),
        (1000, "Misc", "budget", ["management"]),
        (1000.01, "Misc", "exceptional", ["management"]),
        (5000, "Software License Costs", "budget", ["management"]),
    ],
)
def test_the_invoice_decisions_give_camundas_answers(amount, category, classification, approvers):
    decisions, problems = dmn.read("invoice.dmn", parse_xml(INVOICE_DMN.read_bytes()))
    assert problems == []
    data = {"amount": amount, "invoiceCategory": category}
    assert evaluate_decision(decisions, "invoiceClassification", data).value == classification
    assert evaluate_decision(decisions, "invoice-assign-approver", data).value == approvers


@needs_corpus
def test_the_invoice_classification_has_no_answer_for_an_unknown_category():
    decisions, _ = dmn.read("invoice.dmn", parse_xml(INVOICE_DMN.read_bytes()))
    with pytest.raises(NoRuleMatched):
        evaluate_decision(decisions, "invoiceClassification", {"amount": 10, "invoiceCategory": "Food"})


# ---- business-rule tasks: how the result is stored ----------------------------------------


def bpmn(task_xml: str, extra_ns: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        f'{extra_ns} id="defs" targetNamespace="x"><bpmn:process id="p" isExecutable="true">'
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule" />'
        f"{task_xml}"
        '<bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end" /><bpmn:endEvent id="end" />'
        "</bpmn:process></bpmn:definitions>"
    ).encode()


COLLECTED = document(
    table([(["> 1"], ['"a"', "1"]), (["> 2"], ['"b"', "2"])], policy="COLLECT", outputs=("name", "n"))
)
SINGLE = document(table([(["-"], ['"only"'])], decision_id="one", outputs=("answer",)))


def run_rule(task_xml, data, dmn_content=COLLECTED, extra_ns=""):
    bundle = parse_bundle({"p.bpmn": bpmn(task_xml, extra_ns), "t.dmn": dmn_content})
    assert [f for f in bundle.findings if f.severity == "error"] == []
    run = ProcessRun.start(f"test-{hash(task_xml)}-{hash(dmn_content)}", bundle.processes["p"].spec, data)
    run.run()
    assert run.completed
    return run.data


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ("resultList", [{"name": "a", "n": 1}, {"name": "b", "n": 2}]),
        (None, [{"name": "a", "n": 1}, {"name": "b", "n": 2}]),
    ],
)
def test_camunda_result_list(mapping, expected):
    attribute = f' camunda:mapDecisionResult="{mapping}"' if mapping else ""
    task = (
        f'<bpmn:businessRuleTask id="rule" camunda:decisionRef="d" camunda:resultVariable="out"{attribute} />'
    )
    assert run_rule(task, {"x": 5})["out"] == expected


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [("singleEntry", "only"), ("singleResult", {"answer": "only"}), ("collectEntries", ["only"])],
)
def test_camunda_single_mappings(mapping, expected):
    task = (
        f'<bpmn:businessRuleTask id="rule" camunda:decisionRef="one" camunda:resultVariable="out" '
        f'camunda:mapDecisionResult="{mapping}" />'
    )
    assert run_rule(task, {"x": 5}, SINGLE)["out"] == expected


def test_a_mapping_that_does_not_fit_the_result_fails_the_step():
    task = (
        '<bpmn:businessRuleTask id="rule" camunda:decisionRef="d" camunda:resultVariable="out" '
        'camunda:mapDecisionResult="singleEntry" />'
    )
    bundle = parse_bundle({"p.bpmn": bpmn(task), "t.dmn": COLLECTED})
    run = ProcessRun.start("mapping-misfit", bundle.processes["p"].spec, {"x": 5})
    with pytest.raises(EngineError, match="singleEntry needs at most one result"):
        run.run()


def test_zeebe_called_decision_stores_the_dmn_result():
    zeebe = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
    task = (
        '<bpmn:businessRuleTask id="rule"><bpmn:extensionElements>'
        '<zeebe:calledDecision decisionId="d" resultVariable="picked" /></bpmn:extensionElements>'
        "</bpmn:businessRuleTask>"
    )
    assert run_rule(task, {"x": 5}, extra_ns=zeebe)["picked"] == [
        {"name": "a", "n": 1},
        {"name": "b", "n": 2},
    ]


def test_spiff_called_decision_merges_the_outputs_as_before():
    task = (
        '<bpmn:businessRuleTask id="rule"><bpmn:extensionElements><spiffworkflow:calledDecisionId>d'
        "</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>"
    )
    assert run_rule(task, {"x": 5}) | {"x": 5} == {"x": 5, "name": ["a", "b"], "n": [1, 2]}


def test_business_rule_task_reference_problems():
    bundle = parse_bundle({"p.bpmn": bpmn('<bpmn:businessRuleTask id="rule" camunda:class="a.B" />'),
                           "t.dmn": COLLECTED})  # fmt: skip
    [finding] = [f for f in bundle.findings if f.severity == "error"]
    assert (
        finding.element_id == "rule" and "names no decision" in finding.message and "Java" in finding.message
    )
    bundle = parse_bundle({"p.bpmn": bpmn('<bpmn:businessRuleTask id="rule" camunda:decisionRef="nope" />')})
    [finding] = bundle.findings
    assert "decision 'nope' is not in this deployment" in finding.message
    warnings = validate_files({"p.bpmn": bpmn('<bpmn:businessRuleTask id="rule" camunda:decisionRef="d" />')})
    assert [(f.severity, f.element_id) for f in warnings] == [("warning", "rule")]
    assert "camunda:resultVariable" in warnings[0].message
