"""Which expression language a piece of diagram text is in, and one way to check or run each.

The rule (also in docs/process-owners.md):
- text that starts with `${` or `#{` is JUEL (Camunda 7), in any diagram;
- in a Camunda 8 diagram (one that declares the zeebe namespace, or that Camunda Modeler marked
  `modeler:executionPlatform="Camunda Cloud"`), text that starts with `=` is FEEL;
- everything else is Zorgpad's Python subset (`expressions`), where a task attribute written as
  `=expression` (camunda:dueDate, camunda:priority) is Python too.
A running condition carries its own marker (`${`, `=`), so the engine needs no diagram to know
it: a Python expression can start with neither, and deployment refuses `=` outside Camunda 8
diagrams. All three run on the same `Limits` and refuse what they do not support.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import expressions, feel, juel
from .script_limits import ExpressionError, Limits

PYTHON = "python"
JUEL = "juel"
FEEL = "feel"
NAMES = {PYTHON: "Python", JUEL: "JUEL", FEEL: "FEEL"}

ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"


def is_camunda8(root) -> bool:
    """Whether a BPMN/DMN document comes from Camunda 8 (its `=` texts are FEEL)."""
    if ZEEBE_NS in root.nsmap.values():
        return True
    return (root.get(f"{{{MODELER_NS}}}executionPlatform") or "").strip().lower() == "camunda cloud"


def dialect_of(text: str | None, camunda8: bool = False) -> str:
    stripped = (text or "").lstrip()
    if stripped.startswith(("${", "#{")):
        return JUEL
    if camunda8 and stripped.startswith("="):
        return FEEL
    return PYTHON


def runtime_dialect(text: str) -> str:
    """The dialect of text the engine runs (a deployed condition, timer or attribute)."""
    return dialect_of(text, camunda8=True)


def feel_body(text: str) -> tuple[str, int]:
    """The FEEL expression after its leading `=`, and how many characters were cut."""
    cut = len(text) - len(text.lstrip()) + 1
    return text[cut:], cut


def check(text: str, dialect: str, mode: str = "eval") -> list[ExpressionError]:
    """Why `text` would be refused in `dialect` (positions are in `text` itself)."""
    if dialect == JUEL:
        return juel.check(text)
    if dialect == FEEL:
        body, cut = feel_body(text)
        errors = feel.check(body)
        for error in errors:
            if error.line == 1 and error.col:
                error.col += cut
        return errors
    return expressions.check(text, mode)


def evaluate(
    text: str,
    names: Mapping[str, Any],
    limits: Limits | None = None,
    *,
    outer: Mapping[str, Any] | None = None,
    dialect: str | None = None,
) -> Any:
    dialect = dialect or runtime_dialect(text)
    if dialect == JUEL:
        return juel.evaluate(text, names, limits, outer=outer)
    if dialect == FEEL:
        return feel.evaluate(feel_body(text)[0], names, limits, outer=outer)
    return expressions.evaluate(text, names, limits, outer=outer)


# ---- timers ---------------------------------------------------------------------------------

_BARE_TIMER = re.compile(r"^(R\d*/\S+|-?P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T\S*)?)$", re.IGNORECASE)


def bare_timer_literal(text: str | None) -> str | None:
    """An unquoted ISO 8601 timer value (`PT5M`, `R3/PT1H`, `2026-05-01T09:00`), as Camunda
    Modeler writes them, or None when the text is an expression."""
    stripped = (text or "").strip()
    return stripped if _BARE_TIMER.match(stripped) else None


def timer_value(value: Any) -> Any:
    """A timer expression's result as the ISO 8601 text SpiffWorkflow's timers read."""
    if isinstance(value, timedelta):
        return _duration_text(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()
    return value


def _duration_text(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "PT0S"
    days, rest = divmod(seconds, 86400)
    return f"P{days}D" + (f"T{rest}S" if rest else "") if days else f"PT{rest}S"


def is_timer_expression(task, expression: str) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    return isinstance(definition, TimerEventDefinition) and definition.expression == expression
