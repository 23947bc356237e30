"""Which dialect a diagram's text is in, and that conditions, timers and task attributes in
JUEL (Camunda 7) and FEEL (Camunda 8) run on the same safe interpreter as our Python subset."""

from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest

from app.engine import ProcessRun, dialects, parse_bundle, task_attributes
from app.engine.clock import using_clock
from app.engine.expressions import ForbiddenConstruct
from app.engine.runtime import EngineError
from app.engine.scripting import SafeEnvironment
from app.engine.validation import validate_files

CAMUNDA_NS = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
ZEEBE_NS = 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"'
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def diagram(body: str, namespaces: str = CAMUNDA_NS) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'{namespaces} id="defs" targetNamespace="x"><bpmn:process id="p" isExecutable="true">'
        f"{body}</bpmn:process></bpmn:definitions>"
    ).encode()


def gateway(high: str, low: str) -> str:
    def flow(id_, target, condition):
        return (
            f'<bpmn:sequenceFlow id="{id_}" sourceRef="gw" targetRef="{target}">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}'
            "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        )

    return (
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw" />'
        '<bpmn:exclusiveGateway id="gw" />'
        + flow("to_high", "high", high)
        + flow("to_low", "low", low)
        + '<bpmn:userTask id="high" /><bpmn:userTask id="low" />'
    )


def open_tasks(content: bytes, data: dict) -> list[str]:
    bundle = parse_bundle({"p.bpmn": content})
    assert [f for f in bundle.findings if f.severity == "error"] == []
    assert validate_files({"p.bpmn": content}) == []
    run = ProcessRun.start(f"dialects-{hash(content)}", bundle.processes["p"].spec, data)
    with using_clock(lambda: NOW):
        run.run()
    return [task.element_id for task in run.human_tasks()]


@pytest.mark.parametrize(
    ("high", "low", "namespaces"),
    [
        ("${amount > 1000}", "${amount <= 1000}", CAMUNDA_NS),
        ("${amount gt 1000 && !small}", "${not (amount gt 1000)}", CAMUNDA_NS),
        ("#{amount > 1000}", "#{amount le 1000}", CAMUNDA_NS),
        ("=amount > 1000", "=amount <= 1000", ZEEBE_NS),
        ("= amount > 1000 and not(small)", "=amount in [0..1000]", ZEEBE_NS),
        ("amount > 1000", "amount <= 1000", CAMUNDA_NS),  # our Python subset, unchanged
    ],
)
@pytest.mark.parametrize(("amount", "expected"), [(1500, "high"), (500, "low")])
def test_conditions_in_every_dialect_route_alike(high, low, namespaces, amount, expected):
    content = diagram(gateway(high, low), namespaces)
    assert open_tasks(content, {"amount": amount, "small": False}) == [expected]


def test_the_dialect_rule():
    assert dialects.dialect_of("${a}") == dialects.dialect_of("  #{a}") == dialects.JUEL
    assert dialects.dialect_of("=a > 1", camunda8=True) == dialects.FEEL
    assert dialects.dialect_of("=a > 1", camunda8=False) == dialects.PYTHON
    assert dialects.dialect_of("a > 1", camunda8=True) == dialects.PYTHON


def test_an_equals_condition_outside_camunda_8_is_refused_with_the_reason():
    content = diagram(gateway("=amount > 1000", "${amount <= 1000}"))
    [finding] = validate_files({"p.bpmn": content})
    assert finding.element_id == "to_high" and finding.line == 1
    assert "only Camunda 8 diagrams use" in finding.message


@pytest.mark.parametrize(
    ("condition", "namespaces", "needle"),
    [
        ("${''.getClass().forName('java.lang.Runtime')}", CAMUNDA_NS, "JUEL: the member 'getClass'"),
        ("${x.class.classLoader}", CAMUNDA_NS, "JUEL: the member 'class'"),
        ("${runtime.exec('id')}", CAMUNDA_NS, "JUEL: the member 'exec'"),
        ("=(function(x) x)(1)", ZEEBE_NS, "FEEL: function definitions are not supported"),
        ('=matches(a, ".*")', ZEEBE_NS, "FEEL: matches() is not supported"),
        ("=x.class", ZEEBE_NS, "FEEL: the member 'class'"),
    ],
)
def test_escape_attempts_in_conditions_are_deployment_findings(condition, namespaces, needle):
    content = diagram(gateway(condition, "${true}" if namespaces == CAMUNDA_NS else "=true"), namespaces)
    [finding] = validate_files({"p.bpmn": content})
    assert finding.element_id == "to_high" and finding.line
    assert finding.message.startswith("condition: ") and needle in finding.message


def test_the_running_engine_refuses_them_too():
    environment = SafeEnvironment()
    with pytest.raises(ForbiddenConstruct, match="getClass"):
        environment.evaluate("${''.getClass()}", {})
    with pytest.raises(ForbiddenConstruct, match="function definitions"):
        environment.evaluate("=function(x) x", {})


def timer_process(timer: str, namespaces: str = CAMUNDA_NS, kind: str = "timeDuration") -> bytes:
    return diagram(
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait" />'
        f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="t"><bpmn:{kind}>'
        f"{escape(timer)}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="done" /><bpmn:userTask id="done" />',
        namespaces,
    )


@pytest.mark.parametrize(
    ("timer", "namespaces", "kind", "due"),
    [
        ("PT5M", CAMUNDA_NS, "timeDuration", NOW + timedelta(minutes=5)),  # Camunda writes it bare
        ('"PT5M"', CAMUNDA_NS, "timeDuration", NOW + timedelta(minutes=5)),
        ("${wait}", CAMUNDA_NS, "timeDuration", NOW + timedelta(days=2)),
        ("#{dueDate}", CAMUNDA_NS, "timeDate", datetime(2026, 3, 4, 12, 0, tzinfo=UTC)),
        ('=duration("PT2H")', ZEEBE_NS, "timeDuration", NOW + timedelta(hours=2)),
        ("=dueDate", ZEEBE_NS, "timeDate", datetime(2026, 3, 4, 12, 0, tzinfo=UTC)),
        ("2026-03-04T12:00:00+00:00", CAMUNDA_NS, "timeDate", datetime(2026, 3, 4, 12, 0, tzinfo=UTC)),
    ],
)
def test_timers_in_every_dialect(timer, namespaces, kind, due):
    content = timer_process(timer, namespaces, kind)
    assert validate_files({"p.bpmn": content}) == []
    bundle = parse_bundle({"p.bpmn": content})
    data = {"wait": "P2D", "dueDate": datetime(2026, 3, 4, 12, 0, tzinfo=UTC)}
    run = ProcessRun.start(f"timer-{hash(content)}", bundle.processes["p"].spec, data)
    with using_clock(lambda: NOW):
        run.run()
        [view] = run.timers()
    assert view.due_at == due


def test_a_cron_cycle_is_refused_with_the_iso_alternative():
    [finding] = validate_files({"p.bpmn": timer_process("0 0/5 * * * ?", kind="timeCycle")})
    assert "cron expression" in finding.message and "R/PT5M" in finding.message


def user_task(attributes: str = "", extensions: str = "", namespaces: str = CAMUNDA_NS) -> bytes:
    return diagram(
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="task" />'
        f'<bpmn:userTask id="task" name="Task" {attributes}><bpmn:extensionElements>{extensions}'
        "</bpmn:extensionElements></bpmn:userTask>",
        namespaces,
    )


def task_meta(content: bytes) -> dict:
    bundle = parse_bundle({"p.bpmn": content})
    assert validate_files({"p.bpmn": content}) == [] and bundle.findings == []
    return bundle.processes["p"].meta["user_tasks"]["p"]["task"]


def test_camunda_7_assignment_as_literals_and_juel():
    meta = task_meta(
        user_task(
            'camunda:candidateGroups="sales, ${approverGroups}" camunda:candidateUsers="${reviewer}" '
            'camunda:assignee="${owner.name}" camunda:dueDate="${dateTime().plusWeeks(1).toDate()}" '
            'camunda:priority="${urgent ? 90 : 40}"'
        )
    )
    assert meta["candidate_groups"] == ["sales"]
    data = {"approverGroups": ["accounting", "management"], "reviewer": "ann, bo", "owner": {"name": "cy"},
            "urgent": True}  # fmt: skip
    with using_clock(lambda: NOW):
        assert task_attributes.assignment(meta, data, None) == (
            ["sales", "accounting", "management"],
            ["ann", "bo"],
            "cy",
        )
        assert task_attributes.due_at(meta["due"], data, NOW) == NOW + timedelta(weeks=1)
    assert task_attributes.priority(meta["priority"], data) == 90


def test_camunda_8_assignment_schedule_and_priority_in_feel():
    extensions = (
        '<zeebe:assignmentDefinition assignee="=owner" candidateGroups="=groups" candidateUsers="ann, bo" />'
        '<zeebe:taskSchedule dueDate="=now() + duration(&quot;P2D&quot;)" '
        'followUpDate="2026-03-03T09:00:00Z" />'
        '<zeebe:priorityDefinition priority="=if urgent then 80 else 20" />'
    )
    meta = task_meta(user_task(extensions=extensions, namespaces=ZEEBE_NS))
    data = {"owner": "cy", "groups": ["regie"], "urgent": False}
    with using_clock(lambda: NOW):
        assert task_attributes.assignment(meta, data, None) == (["regie"], ["ann", "bo"], "cy")
        assert task_attributes.due_at(meta["due"], data, NOW) == NOW + timedelta(days=2)
    assert task_attributes.priority(meta["priority"], data) == 20


def test_bpmn_potential_owner_as_camunda_reads_it():
    extensions_free = diagram(
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="task" />'
        '<bpmn:userTask id="task"><bpmn:potentialOwner><bpmn:resourceAssignmentExpression>'
        "<bpmn:formalExpression>user(kermit), group(sales), management</bpmn:formalExpression>"
        "</bpmn:resourceAssignmentExpression></bpmn:potentialOwner></bpmn:userTask>"
    )
    meta = task_meta(extensions_free)
    assert (meta["candidate_groups"], meta["candidate_users"]) == (["sales", "management"], ["kermit"])


def test_a_failing_assignment_expression_falls_back_to_the_lane():
    meta = task_meta(user_task('camunda:candidateGroups="${missing}"'))
    assert task_attributes.assignment(meta, {}, "wijkteam-triage") == (["wijkteam-triage"], [], None)


@pytest.mark.parametrize(
    ("attributes", "extensions", "namespaces", "needle"),
    [
        ('camunda:candidateGroups="${x.getClass()}"', "", CAMUNDA_NS, "JUEL: the member 'getClass'"),
        ('camunda:dueDate="${"', "", CAMUNDA_NS, "not closed"),
        ('camunda:priority="hoog"', "", CAMUNDA_NS, "whole number"),
        ('camunda:dueDate="P2X"', "", CAMUNDA_NS, "not valid ISO 8601"),
        ("", '<zeebe:assignmentDefinition candidateGroups="=foo(1)" />', ZEEBE_NS, "FEEL: unknown function"),
        ("", '<zeebe:taskSchedule dueDate="=function(x) x" />', ZEEBE_NS, "FEEL: function definitions"),
    ],
)
def test_task_attribute_problems_are_findings(attributes, extensions, namespaces, needle):
    [finding] = validate_files({"p.bpmn": user_task(attributes, extensions, namespaces)})
    assert finding.element_id == "task" and finding.line == 1 and needle in finding.message


def test_an_expression_timer_that_fails_is_an_engine_error():
    content = timer_process("${nope}")
    bundle = parse_bundle({"p.bpmn": content})
    run = ProcessRun.start("timer-fails", bundle.processes["p"].spec, {})
    with using_clock(lambda: NOW), pytest.raises(EngineError, match="unknown variable 'nope'"):
        run.run()


def test_a_camunda_8_script_task_stores_its_feel_result():
    content = diagram(
        '<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="calc" />'
        '<bpmn:scriptTask id="calc"><bpmn:extensionElements>'
        '<zeebe:script expression="=sum(for l in lines return l.price)" resultVariable="total" />'
        "</bpmn:extensionElements></bpmn:scriptTask>"
        '<bpmn:sequenceFlow id="f1" sourceRef="calc" targetRef="done" /><bpmn:userTask id="done" />',
        ZEEBE_NS,
    )
    assert open_tasks(content, {"lines": [{"price": 2}, {"price": 3.5}]}) == ["done"]
    bundle = parse_bundle({"p.bpmn": content})
    run = ProcessRun.start("feel-script", bundle.processes["p"].spec, {"lines": [{"price": 2}]})
    run.run()
    restored = ProcessRun.restore("feel-script", bundle.processes["p"].spec, run.dump())
    [task] = restored.human_tasks()
    assert task.data["total"] == 2
    broken = content.replace(b'resultVariable="total"', b"").replace(b'"=sum', b'"sum')
    messages = sorted(f.message for f in validate_files({"p.bpmn": broken}))
    assert messages == [
        "zeebe:script expression must be a FEEL expression starting with '='",
        "zeebe:script needs a resultVariable",
    ]
