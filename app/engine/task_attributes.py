"""Evaluate a user task's due date and priority as the diagram states them.

Forms accepted (Camunda's `dueDate`/`priority` attributes or Spiff properties of that name):
an ISO 8601 duration from the task's creation (`P2D`, `PT4H`), an ISO date-time, an integer
priority, or `=expression` evaluated safely in the task's data (e.g.
`=add_working_days(now(), 2)`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .scripting import SafeScriptEngine

_ENGINE = SafeScriptEngine()


class AttributeError_(ValueError):
    pass


def duration_from(start: datetime, iso_duration: str) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(iso_duration)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def _evaluate(expression: str, data: dict):
    return _ENGINE.environment.evaluate(expression, dict(data))


def due_at(value: str | None, data: dict, created: datetime) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    result = _evaluate(value[1:], data) if value.startswith("=") else value
    return _as_datetime(result, created)


def _as_datetime(result, created: datetime) -> datetime | None:
    if result is None:
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
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise AttributeError_(f"cannot use {result!r} as a due date")


def priority(value: str | int | None, data: dict, default: int = 50) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, int):
        return value
    text = str(value).strip()
    result = _evaluate(text[1:], data) if text.startswith("=") else text
    return int(result)
