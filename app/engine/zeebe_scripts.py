"""Camunda 8 script tasks: `zeebe:script expression="=…" resultVariable="x"`.

The expression is FEEL, evaluated like every other expression (`SafeScriptEngine.evaluate`, so
errors carry the task); its value lands in the result variable. A script task with a
`bpmn:script` stays a Python-subset script.
"""

from __future__ import annotations

from SpiffWorkflow.spiff.parser.task_spec import ScriptTaskParser
from SpiffWorkflow.spiff.serializer.task_spec import ScriptTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ScriptTask

from .dialects import ZEEBE_NS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def zeebe_script(node):
    return node.find(f"{{{BPMN_NS}}}extensionElements/{{{ZEEBE_NS}}}script")


class FeelScriptTask(ScriptTask):
    def __init__(self, wf_spec, bpmn_id, script=None, expression=None, result_variable=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, script, **kwargs)
        self.expression = expression
        self.result_variable = result_variable

    def _execute(self, task):
        task.data[self.result_variable] = task.workflow.script_engine.evaluate(task, self.expression)
        return True


class FeelScriptTaskConverter(ScriptTaskConverter):
    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["expression"] = spec.expression
        dct["result_variable"] = spec.result_variable
        return dct


class ZeebeAwareScriptTaskParser(ScriptTaskParser):
    def create_task(self):
        script = zeebe_script(self.node)
        has_bpmn_script = self.node.find(f"{{{BPMN_NS}}}script") is not None
        if script is None or has_bpmn_script:
            return super().create_task()
        expression = (script.get("expression") or "").strip()
        return FeelScriptTask(
            self.spec,
            self.bpmn_id,
            expression=expression,
            result_variable=(script.get("resultVariable") or "").strip(),
            **self.bpmn_attributes,
        )


def script_problems(node) -> list[str]:
    """What is wrong with a scriptTask's zeebe:script (its FEEL is checked with the others)."""
    script = zeebe_script(node)
    if script is None or node.find(f"{{{BPMN_NS}}}script") is not None:
        return []
    problems = []
    if not (script.get("expression") or "").strip().startswith("="):
        problems.append("zeebe:script expression must be a FEEL expression starting with '='")
    if not (script.get("resultVariable") or "").strip():
        problems.append("zeebe:script needs a resultVariable")
    return problems
