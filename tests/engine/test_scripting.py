from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.expressions import (
    EvaluationError,
    ForbiddenConstruct,
    Limits,
    ResourceLimitExceeded,
)
from app.engine.scripting import SafeEnvironment, SafeScriptEngine

HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://bpmn.io/schema/bpmn">'
    '<bpmn:process id="p" isExecutable="true">'
)
TAIL = "</bpmn:process></bpmn:definitions>"


def flow(id_, source, target, condition=None):
    body = ""
    if condition is not None:
        body = (
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"{escape(condition)}</bpmn:conditionExpression>"
        )
    return (
        f'<bpmn:sequenceFlow id="{id_}" sourceRef="{source}" targetRef="{target}">{body}</bpmn:sequenceFlow>'
    )


def script_task(id_, script):
    return (
        f'<bpmn:scriptTask id="{id_}" name="{id_}">'
        f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
    )


def process(*elements):
    return (HEAD + "".join(elements) + TAIL).encode()


def make(bpmn: bytes, data=None, dmn: bytes | None = None, engine=None):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn)
    if dmn is not None:
        parser.add_dmn_str(dmn)
    workflow = BpmnWorkflow(
        parser.get_spec("p"),
        parser.get_subprocess_specs("p"),
        script_engine=engine or SafeScriptEngine(),
    )
    start = next(t for t in workflow.get_tasks() if t.task_spec.name == "start")
    start.set_data(**(data or {}))
    return workflow


def run(bpmn: bytes, data=None, dmn: bytes | None = None, engine=None):
    workflow = make(bpmn, data, dmn, engine)
    workflow.do_engine_steps()
    return workflow


def single_script(script):
    return process(
        '<bpmn:startEvent id="start" />',
        flow("f1", "start", "work"),
        script_task("work", script),
        flow("f2", "work", "end"),
        '<bpmn:endEvent id="end" />',
    )


GATEWAY = process(
    '<bpmn:startEvent id="start" />',
    flow("f1", "start", "assess"),
    script_task(
        "assess",
        "total = sum(answers)\n"
        "risk = 'hoog' if total > 5 else 'laag'\n"
        "followup = add_working_days(parse_date(intake), 2).isoformat()\n"
        "client['seen'] = True\n",
    ),
    flow("f2", "assess", "gw"),
    '<bpmn:exclusiveGateway id="gw" default="f_routine" />',
    flow("f_escalate", "gw", "escalate", "risk == 'hoog' and client['seen']"),
    flow("f_routine", "gw", "routine"),
    script_task("escalate", "path = 'escalate'"),
    script_task("routine", "path = 'routine'"),
    flow("f3", "escalate", "end"),
    flow("f4", "routine", "end"),
    '<bpmn:endEvent id="end" />',
)


@pytest.mark.parametrize(
    ("answers", "path", "risk"),
    [([3, 4], "escalate", "hoog"), ([1, 2], "routine", "laag")],
)
def test_script_task_and_gateway(answers, path, risk):
    workflow = run(GATEWAY, {"answers": answers, "intake": "2024-03-01", "client": {}})
    assert workflow.is_completed()
    assert workflow.data["path"] == path
    assert workflow.data["risk"] == risk
    assert workflow.data["followup"] == "2024-03-05"  # Friday + 2 working days
    assert workflow.data["client"] == {"seen": True}


DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dd" name="d"
    namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="triage" name="Triage">
    <decisionTable id="t" hitPolicy="UNIQUE">
      <input id="i1" label="Score"><inputExpression id="ie1" typeRef="integer">
        <text>score</text></inputExpression></input>
      <input id="i2" label="Kind"><inputExpression id="ie2" typeRef="string">
        <text>kind</text></inputExpression></input>
      <output id="o1" label="Route" name="route" typeRef="string" />
      <rule id="r1">
        <inputEntry id="a1"><text>&lt; 3</text></inputEntry>
        <inputEntry id="b1"><text>"a"</text></inputEntry>
        <outputEntry id="c1"><text>"low-a"</text></outputEntry></rule>
      <rule id="r2">
        <inputEntry id="a2"><text>&lt; 3</text></inputEntry>
        <inputEntry id="b2"><text> in ["x", "y"]</text></inputEntry>
        <outputEntry id="c2"><text>"low-xy"</text></outputEntry></rule>
      <rule id="r3">
        <inputEntry id="a3"><text>4 &lt; ? &lt; 6</text></inputEntry>
        <inputEntry id="b3"><text>? not in ["q"]</text></inputEntry>
        <outputEntry id="c3"><text>"mid"</text></outputEntry></rule>
      <rule id="r4">
        <inputEntry id="a4"><text>&gt;= 6</text></inputEntry>
        <inputEntry id="b4"><text>-</text></inputEntry>
        <outputEntry id="c4"><text>"high-" + kind.upper()</text></outputEntry></rule>
      <rule id="r5">
        <inputEntry id="a5"><text>-</text></inputEntry>
        <inputEntry id="b5"><text>"z"</text></inputEntry>
        <outputEntry id="c5"><text>__import__('os').getcwd()</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""

RULE = process(
    '<bpmn:startEvent id="start" />',
    flow("f1", "start", "rule"),
    '<bpmn:businessRuleTask id="rule"><bpmn:extensionElements>'
    "<spiffworkflow:calledDecisionId>triage</spiffworkflow:calledDecisionId>"
    "</bpmn:extensionElements></bpmn:businessRuleTask>",
    flow("f2", "rule", "end"),
    '<bpmn:endEvent id="end" />',
)


@pytest.mark.parametrize(
    ("score", "kind", "route"),
    [
        (1, "a", "low-a"),
        (2, "y", "low-xy"),
        (5, "m", "mid"),
        (9, "q", "high-Q"),
        (3, "b", None),  # no rule matches
    ],
)
def test_business_rule_task_with_dmn(score, kind, route):
    workflow = run(RULE, {"score": score, "kind": kind}, dmn=DMN)
    assert workflow.is_completed()
    assert workflow.data.get("route") == route


def test_dmn_output_entries_are_sandboxed_too():
    with pytest.raises(WorkflowTaskException) as caught:
        run(RULE, {"score": 4, "kind": "z"}, dmn=DMN)
    assert isinstance(caught.value.exception, ForbiddenConstruct)
    assert "'_'" in str(caught.value)


def test_dmn_cell_without_leading_space_is_a_spiffworkflow_quirk():
    # SpiffWorkflow 3.2 builds `input + cell` without a space, so `in [...]` becomes
    # `kindin [...]` (stock engine too). Authors write ` in [...]` or `? in [...]`.
    dmn = DMN.replace(b"<text> in [", b"<text>in [")
    with pytest.raises(WorkflowTaskException) as caught:
        run(RULE, {"score": 2, "kind": "y"}, dmn=dmn)
    assert "unknown variable 'kindin'" in str(caught.value)


@pytest.mark.parametrize(
    "attack",
    [
        "import os\nos.system('id')",
        "data = open('/etc/hostname').read()",
        "classes = ().__class__.__mro__[1].__subclasses__()",
        "__import__('subprocess').run(['id'])",
    ],
)
def test_malicious_scripts_fail_clearly_and_change_nothing(attack):
    workflow = make(single_script("marker = 1\n" + attack), {"keep": "me"})
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert "not allowed" in str(caught.value) or "not available" in str(caught.value)
    assert isinstance(caught.value.exception, ForbiddenConstruct)
    assert caught.value.task.task_spec.name == "work"
    assert caught.value.task.data == {"keep": "me"}  # refused before anything ran
    assert not workflow.is_completed()


def test_malicious_script_raises_workflow_task_exception():
    with pytest.raises(WorkflowTaskException) as caught:
        run(single_script("marker = 1\nimport os"), {"keep": "me"})
    error = caught.value
    assert isinstance(error.exception, ForbiddenConstruct)
    assert error.line_number == 2
    assert error.error_line == "import os"
    assert "ForbiddenConstruct on line 2" in str(error)
    assert "'import' is not allowed" in str(error)
    assert error.task.data == {"keep": "me"}


def test_runtime_error_reports_line_and_leaves_data_unchanged():
    with pytest.raises(WorkflowTaskException) as caught:
        run(single_script("a = 1\nclient['x'] = 2\nb = a / 0\n"), {"client": {}})
    error = caught.value
    assert isinstance(error.exception, EvaluationError)
    assert (error.line_number, error.error_line) == (3, "b = a / 0")
    assert "division by zero" in str(error)
    assert error.task.data == {"client": {}}


def test_endless_script_is_stopped():
    with pytest.raises(WorkflowTaskException) as caught:
        run(single_script("for i in range(100000):\n    for j in range(100000):\n        pass"))
    assert isinstance(caught.value.exception, ResourceLimitExceeded)


def test_bad_gateway_condition_names_the_variable():
    bpmn = GATEWAY.replace(b"risk == &apos;hoog&apos;", b"rsk == &apos;hoog&apos;")
    bpmn = bpmn.replace(b"risk == 'hoog'", b"rsk == 'hoog'")
    with pytest.raises(WorkflowTaskException) as caught:
        run(bpmn, {"answers": [9], "intake": "2024-03-01", "client": {}})
    assert "unknown variable 'rsk'" in str(caught.value)
    assert "Error evaluating expression" in str(caught.value)


def test_limits_reach_the_engine():
    engine = SafeScriptEngine(limits=Limits(max_steps=20))
    with pytest.raises(WorkflowTaskException) as caught:
        run(single_script("for i in range(50):\n    pass"), engine=engine)
    assert isinstance(caught.value.exception, ResourceLimitExceeded)


def test_validate_follows_the_dmn_contract():
    engine = SafeScriptEngine()
    engine.validate('"a"')
    engine.validate("v < 3")
    engine.validate('v in ["a", "b"]')
    engine.validate("x = 1\ny = x")  # scripts validate too
    for cell in ("< 3", 'in ["a", "b"]', ">= 6"):
        with pytest.raises(SyntaxError):
            engine.validate(cell)
    with pytest.raises(ForbiddenConstruct):
        engine.validate("__import__('os')")
    with pytest.raises(ForbiddenConstruct):
        engine.validate("import os")


def test_environment_itself_is_safe():
    # Message correlation and completion conditions call environment.evaluate directly.
    environment = SafeScriptEngine().environment
    assert isinstance(environment, SafeEnvironment)
    with pytest.raises(ForbiddenConstruct):
        environment.evaluate("().__class__.__mro__", {})
    assert environment.evaluate("order['id']", {"order": {"id": 7}}) == 7
    context = {"a": 1}
    assert environment.execute("b = a + c", context, {"c": 2}) is True
    assert context == {"a": 1, "b": 3}  # external names are not written back
