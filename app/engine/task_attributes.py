"""Evaluate a user task's assignment, due date and priority as the diagram states them.

Forms accepted (Camunda's `dueDate`/`priority` attributes, Spiff properties of that name, or
Camunda 8's `zeebe:taskSchedule`/`zeebe:priorityDefinition`): an ISO 8601 duration from the
task's creation (`P2D`, `PT4H`), an ISO date-time, an integer priority, `=expression` in our
Python subset (e.g. `=add_working_days(now(), 2)`), JUEL `${…}` (Camunda 7) or FEEL (Camunda 8,
stored as {"dialect": "feel", "expression": "=…"} by `task_definitions`). Candidate groups,
users and the assignee may be expressions too; their result is a name, a comma-separated text
or a list of names.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import dialects
from .script_limits import ExpressionError
from .task_definitions import juel_like, split_list

log = logging.getLogger(__name__)


class AttributeError_(ValueError):
    pass


def duration_from(start: datetime, iso_duration: str) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(iso_duration)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def evaluate_stored(value, data: dict):
    """The value of a stored attribute: literal text, `=python`, `${juel}` or a FEEL dict."""
    if isinstance(value, dict):
        if value.get("dialect") != dialects.FEEL:
            raise AttributeError_(f"unknown expression {value!r}")
        return dialects.evaluate(value["expression"], dict(data), dialect=dialects.FEEL)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if juel_like(text):
        return dialects.evaluate(text, dict(data), dialect=dialects.JUEL)
    if text.startswith("="):
        return dialects.evaluate(text[1:], dict(data), dialect=dialects.PYTHON)
    return text


def due_at(value, data: dict, created: datetime) -> datetime | None:
    if not value:
        return None
    return _as_datetime(evaluate_stored(value, data), created)


def _as_datetime(result, created: datetime) -> datetime | None:
    if result is None or result == "":
        return None
    if isinstance(result, datetime):
        return result if result.tzinfo else result.replace(tzinfo=UTC)
    if isinstance(result, date):
        # A due *day* means the end of that working day.
        return datetime.combine(result, time(17, 0), UTC)
    if isinstance(result, timedelta):
        return created + result
    if isinstance(result, str):
        text = result.strip()
        if text.upper().startswith("P"):
            return duration_from(created, text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise AttributeError_(f"cannot use {result!r} as a due date")


def priority(value, data: dict, default: int = 50) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, int):
        return value
    result = evaluate_stored(value, data)
    if isinstance(result, float) and result.is_integer():
        return int(result)
    return int(str(result).strip()) if isinstance(result, str) else int(result)


def assignment(meta: dict, data: dict, lane: str | None) -> tuple[list[str], list[str], str | None]:
    """Candidate groups, candidate users and assignee of a task opening now.

    Literal names come first, then the results of expressions. An expression that fails is
    logged and skipped (the step has already happened; the task still opens, for its literal
    candidates or its lane). Without any candidate the task goes to its lane.
    """
    groups = list(meta.get("candidate_groups") or [])
    users = list(meta.get("candidate_users") or [])
    assignee = meta.get("assignee")
    expressions = meta.get("assignment") or {}
    element = meta.get("name")
    for key, target in (("candidate_groups", groups), ("candidate_users", users)):
        for expression in expressions.get(key) or []:
            for name in _names(_evaluated(expression, data, key, element)):
                if name not in target:
                    target.append(name)
    if expressions.get("assignee"):
        names = _names(_evaluated(expressions["assignee"], data, "assignee", element))
        assignee = names[0] if names else assignee
    if not groups and not users and lane:
        groups = [lane]
    return groups, users, assignee


def _evaluated(expression, data: dict, what: str, element):
    try:
        return evaluate_stored(expression, data)
    except (ExpressionError, AttributeError_) as err:
        # The message names variables and the construct, never their values.
        log.warning("cannot evaluate %s of task %r: %s", what, element, err)
        return None


def _names(result) -> list[str]:
    if result is None:
        return []
    if isinstance(result, str):
        return split_list(result)
    if isinstance(result, list | tuple | set):
        return [str(item).strip() for item in result if item is not None and str(item).strip()]
    return [str(result)]
