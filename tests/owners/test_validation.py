"""Validation before activation: every broken diagram gets a located, readable finding."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.engine.validation import iso8601_problem, validate_files
from app.models import Group, ProcessDefinition
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy, read_directory
from app.services.errors import DeploymentRejected
from tests.support import FIXTURES, fixture_files

ROOT = FIXTURES.parents[1]


def _loop(replace_from: bytes, replace_to: bytes) -> dict[str, bytes]:
    files = fixture_files("loop.bpmn")
    assert replace_from in files["loop.bpmn"]
    files["loop.bpmn"] = files["loop.bpmn"].replace(replace_from, replace_to)
    return files


def _line_of(files: dict[str, bytes], needle: bytes) -> int:
    content = next(iter(files.values()))
    return content[: content.index(needle)].count(b"\n") + 1


def test_the_shipped_pathways_have_no_findings():
    assert validate_files(read_directory(ROOT / "processes", ROOT / "forms")) == []


def test_a_forbidden_script_is_located_by_element_and_line():
    files = _loop(b"passes = passes + 1", b"import os\npasses = passes + 1")
    [finding] = validate_files(files)
    assert finding.element_id == "count" and finding.file == "loop.bpmn"
    assert finding.line == _line_of(files, b"import os")
    assert "import" in finding.message and "script" in finding.message


def test_a_condition_with_a_single_equals_gets_a_hint():
    files = _loop(b"passes &lt; target", b"passes = target")
    [finding] = validate_files(files)
    assert finding.element_id == "f_again" and "'=='" in finding.message


def test_an_unquoted_timer_duration_is_the_iso_literal_as_camunda_writes_it():
    files = fixture_files("escalation.bpmn")
    content = files["escalation.bpmn"]
    assert b'"P2D"' in content
    files["escalation.bpmn"] = content.replace(b'"P2D"', b"P2D")
    assert validate_files(files) == []
    files["escalation.bpmn"] = content.replace(b'"P2D"', b"P2X")
    [finding] = validate_files(files)
    assert "P2X is not valid ISO 8601" in finding.message and finding.line


def test_a_quoted_but_invalid_duration_is_not_iso_8601():
    files = fixture_files("escalation.bpmn")
    files["escalation.bpmn"] = files["escalation.bpmn"].replace(b'"P2D"', b'"P2X"')
    [finding] = validate_files(files)
    assert "not valid ISO 8601" in finding.message


@pytest.mark.parametrize(
    ("value", "kind", "ok"),
    [
        ("P2D", "duration", True),
        ("PT4H", "duration", True),
        ("2D", "duration", False),
        ("P", "duration", False),
        ("2026-03-02T09:00:00+01:00", "date", True),
        ("next monday", "date", False),
        ("R/P14D", "cycle", True),
        ("P14D", "cycle", False),
    ],
)
def test_iso8601_literals(value, kind, ok):
    assert (iso8601_problem(value, kind) is None) is ok


def test_due_date_and_priority_expressions_are_checked():
    files = fixture_files("two_step.bpmn")
    files["two_step.bpmn"] = (
        files["two_step.bpmn"]
        .replace(b"=add_days(now(), 1)", b"=__import__('os')")
        .replace(b'camunda:priority="75"', b'camunda:priority="hoog"')
    )
    findings = {f.element_id: f.message for f in validate_files(files)}
    assert "dueDate expression" in findings["task_b"]
    assert "whole number" in findings["task_a"]


DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">
  <decision id="kies" name="Kies">
    <decisionTable id="tabel">
      <input id="in1" label="Status"><inputExpression id="e1"><text>status</text></inputExpression></input>
      <output id="out1" name="route" />
      <rule id="r1">
        <inputEntry id="r1_i"><text>in ["a", "b"]</text></inputEntry>
        <outputEntry id="r1_o"><text>"x"</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2_i"><text>? in ["c"]</text></inputEntry>
        <outputEntry id="r2_o"><text>open("y")</text></outputEntry>
      </rule>
      <rule id="r3">
        <inputEntry id="r3_i"><text>&gt;= 3</text></inputEntry>
        <outputEntry id="r3_o"><text>"z"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def test_dmn_cells_compile_and_an_operator_cell_needs_no_question_mark():
    # `in ["a", "b"]` is tested as `status in ["a", "b"]` (our engine puts the space that
    # SpiffWorkflow's left out), so only the forbidden output cell is a finding.
    findings = {f.element_id: f for f in validate_files({"kies.dmn": DMN})}
    assert set(findings) == {"r2_o"}
    assert "open" in findings["r2_o"].message and findings["r2_o"].line == 13


def test_unknown_groups_and_uncaught_messages_are_warnings_that_do_not_block(db):
    db.session.add(Group(key="wijkteam-triage", name="Triage"))
    db.session.commit()
    result = deploy(fixture_files("messages.bpmn", "two_step.bpmn", "stap-a.schema.json"), actor=SYSTEM)
    warnings = [f for f in result.findings if f["severity"] == "warning"]
    lane = next(f for f in warnings if "'wijkteam-regie'" in f["message"] and "lane" in f["message"])
    assert lane["elementId"] == "lane_regie" and lane["line"] > 0
    group = next(f for f in warnings if "'ggz-fact'" in f["message"])
    assert group["elementId"] == "task_b"
    assert not any("wijkteam-triage" in f["message"] for f in warnings)
    assert result.created  # warnings only: activated


def test_a_message_nobody_catches_is_a_warning(db):
    files = fixture_files("messages.bpmn")
    files["messages.bpmn"] = (
        files["messages.bpmn"]
        .replace(
            b'<bpmn:messageEventDefinition id="s_wait_def" messageRef="msg_answer">',
            b'<bpmn:messageEventDefinition id="s_wait_def" messageRef="msg_other">',
        )
        .replace(
            b'<bpmn:message id="msg_answer" name="antwoord" />',
            b'<bpmn:message id="msg_answer" name="antwoord" /><bpmn:message id="msg_other" name="anders" />',
        )
    )
    result = deploy(files, actor=SYSTEM, dry_run=True)
    [lost] = [f for f in result.findings if "'antwoord'" in f["message"]]
    assert lost["severity"] == "warning" and lost["elementId"] == "msg_answer" and lost["line"] == 6
    assert "no process" in lost["message"]


def test_an_unresolved_call_activity_is_located(db):
    files = read_directory(ROOT / "processes", ROOT / "forms")
    del files["verwijzing.bpmn"]
    with pytest.raises(DeploymentRejected) as info:
        deploy(files, actor=SYSTEM)
    [finding] = [f for f in info.value.findings if "verwijzing" in f["message"]]
    assert finding["file"] == "opschalen.bpmn" and finding["elementId"] and finding["line"]
    assert "not in this deployment nor deployed" in finding["message"]
    assert db.session.execute(select(func.count()).select_from(ProcessDefinition)).scalar() == 0


def test_errors_in_one_file_activate_nothing(db):
    files = fixture_files("two_step.bpmn", "stap-a.schema.json", "loop.bpmn")
    files["loop.bpmn"] = files["loop.bpmn"].replace(b"passes = 0", b"while True: pass")
    with pytest.raises(DeploymentRejected) as info:
        deploy(files, actor=SYSTEM)
    assert info.value.findings[0]["elementId"] == "init"
    assert db.session.execute(select(func.count()).select_from(ProcessDefinition)).scalar() == 0
