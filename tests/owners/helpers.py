"""Helpers for the process-owner tests."""

from __future__ import annotations

from tests.support import fixture_files

NEW_STEP = (
    b'<bpmn:sequenceFlow id="f2" sourceRef="task_a" targetRef="task_new" />'
    b'<bpmn:userTask id="task_new" name="Nieuwe stap" />'
    b'<bpmn:sequenceFlow id="f2b" sourceRef="task_new" targetRef="task_b" />'
)
OLD_FLOW = b'<bpmn:sequenceFlow id="f2" sourceRef="task_a" targetRef="task_b" />'


def two_step_with_new_step() -> dict[str, bytes]:
    """two_step v2: a step between Stap A and Stap B (what a process owner adds in a modeller)."""
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    assert OLD_FLOW in files["two_step.bpmn"]
    files["two_step.bpmn"] = files["two_step.bpmn"].replace(OLD_FLOW, NEW_STEP)
    return files


def two_step_without_task_a() -> dict[str, bytes]:
    files = fixture_files("two_step.bpmn", "stap-a.schema.json")
    content = files["two_step.bpmn"]
    content = content.replace(b"<bpmn:flowNodeRef>task_a</bpmn:flowNodeRef>", b"")
    content = content.replace(b'targetRef="task_a"', b'targetRef="task_b"')
    start = content.index(b'<bpmn:userTask id="task_a"')
    end = content.index(b"</bpmn:userTask>", start) + len(b"</bpmn:userTask>")
    content = content[:start] + content[end:]
    content = content.replace(OLD_FLOW, b"")
    files["two_step.bpmn"] = content
    return files
