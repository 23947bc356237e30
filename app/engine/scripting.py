"""SpiffWorkflow script engine that runs diagram code through our safe interpreter.

SpiffWorkflow reaches scripts two ways: through `PythonScriptEngine.evaluate/execute` (which
wrap errors with the task) and directly through `script_engine.environment.evaluate` (message
correlation, process completion conditions). Both routes end in `SafeEnvironment`, so no diagram
text ever reaches Python's eval/exec. Expressions may be JUEL (`${…}`) or FEEL (`=…`) as well as
the Python subset (`dialects`); scripts are always the Python subset.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from app.engine import dialects, expressions
from app.engine.expressions import ExpressionError, ExpressionSyntaxError, Limits


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts over task data with `app.engine.expressions`.

    `context` is the task data: scripts write their assignments into it (all or nothing).
    `external_context` (data objects, DMN's input value) is readable but never written back.
    """

    def __init__(self, limits: Limits | None = None):
        super().__init__()
        self.limits = limits

    def evaluate(self, expression, context, external_context=None) -> Any:
        return dialects.evaluate(expression, context, self.limits, outer=external_context)

    def execute(self, script, context, external_context=None) -> bool:
        expressions.execute(script, context, self.limits, outer=external_context)
        return True


def _source_line(text: str, line: int | None) -> str:
    lines = text.splitlines()
    return lines[line - 1] if line and 0 < line <= len(lines) else ""


def _task_error(task, text: str, err: ExpressionError, summary: str) -> WorkflowTaskException:
    error = WorkflowTaskException(
        summary,
        task=task,
        exception=err,
        line_number=err.line,
        offset=err.col,
        error_line=_source_line(text, err.line),
    )
    # WorkflowTaskException keeps only the class name (error_type); callers (API error
    # responses, deploy checks) want our message, line and kind as well.
    error.exception = err
    return error


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self, environment: SafeEnvironment | None = None, limits: Limits | None = None):
        super().__init__(environment=environment or SafeEnvironment(limits))

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if unparsable, our ExpressionError if refused.

        SpiffWorkflow's DMN engine depends on the SyntaxError: it validates a cell like `< 3`,
        and on SyntaxError retries with `v < 3` to learn that no `==` must be inserted.
        """
        findings = expressions.check(expression, "eval")
        if findings and isinstance(findings[0], ExpressionSyntaxError):
            script_findings = expressions.check(expression, "exec")  # a script, not an expression?
            if not script_findings or not isinstance(script_findings[0], ExpressionSyntaxError):
                findings = script_findings
        if not findings:
            return
        first = findings[0]
        if isinstance(first, ExpressionSyntaxError):
            raise SyntaxError(first.message, ("<diagram>", first.line, first.col, expression))
        raise first

    def evaluate(self, task, expression, external_context=None) -> Any:
        timer = dialects.is_timer_expression(task, expression)
        if timer and (literal := dialects.bare_timer_literal(expression)) is not None:
            return literal  # Camunda writes timer values unquoted: `PT5M`
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
            # A timer may compute a date or a duration; SpiffWorkflow's timers read ISO text.
            return dialects.timer_value(value) if timer else value
        except ExpressionError as err:
            summary = f"Error evaluating expression '{expression}': {err.message}"
            raise _task_error(task, expression, err, summary) from err

    def execute(self, task, script, external_context=None) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ExpressionError as err:
            where = f" on line {err.line}" if err.line else ""
            summary = f"{type(err).__name__}{where}: {err.message}"
            raise _task_error(task, script, err, summary) from err
