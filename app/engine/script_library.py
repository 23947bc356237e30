"""The functions and methods diagram scripts may call, each bounded by the running budget.

Everything here receives only plain data (str, numbers, lists, dicts, dates) and returns plain
data or a bounded lazy sequence (range/enumerate/zip); none of it hands out functions, types
or modules, which is what keeps the sandbox closed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from types import GeneratorType
from typing import Any

from app.engine import clock
from app.engine.script_limits import (
    EvaluationError,
    ResourceLimitExceeded,
    current_budget,
    measure,
)

_MISSING = object()
# What `for`, comprehensions and the collection builtins may walk over. Other objects could
# bring their own __iter__; these are all finite and bounded by the length limits.
ITERABLE_TYPES = (str, list, tuple, dict, set, frozenset, range, enumerate, zip, GeneratorType)


def type_name(value: Any) -> str:
    return type(value).__name__


def bounded_iter(value: Any) -> Iterable[Any]:
    if not isinstance(value, ITERABLE_TYPES):
        raise EvaluationError(f"cannot loop over a value of type {type_name(value)}")
    return value


def materialize(iterable: Any) -> list[Any]:
    """List the items of `iterable`, refusing more than the sequence limit."""
    budget = current_budget()
    iterable = bounded_iter(iterable)
    if isinstance(iterable, str | list | tuple | dict | set | frozenset | range):
        budget.check_length(len(iterable))
        budget.bulk(len(iterable))
        return list(iterable)
    items = []
    limit = budget.limits.max_sequence_length
    for item in iterable:  # generators run the interpreter and tick as they go
        items.append(item)
        if len(items) > limit:
            budget.check_length(len(items))
    budget.bulk(len(items))
    return items


def _to_text(value: Any) -> str:
    budget = current_budget()
    if isinstance(value, list | tuple | dict | set | frozenset):
        # str() of a container is about as long as its serialised form: bound it first.
        size, _ = measure(value, budget.limits.max_sequence_length)
        budget.bulk(size)
        budget.check_length(size)
    return str(value)


def _sequence_of(kind):
    def build(iterable: Any = ()) -> Any:
        return kind(materialize(iterable))

    build.__name__ = kind.__name__
    return build


def _dict(iterable: Any = (), **pairs: Any) -> dict:
    if isinstance(iterable, dict):
        current_budget().bulk(len(iterable))
        result = dict(iterable)
    else:
        result = dict(materialize(iterable))
    result.update(pairs)
    return result


def _min_max(pick):
    def choose(*args: Any, default: Any = _MISSING) -> Any:
        items = materialize(args[0]) if len(args) == 1 else list(args)
        if not items:
            if default is _MISSING:
                raise EvaluationError(f"{pick.__name__}() of an empty sequence")
            return default
        return pick(items)

    choose.__name__ = pick.__name__
    return choose


def _sum(iterable: Any, start: int | float = 0) -> int | float:
    items = materialize(iterable)
    for item in [start, *items]:
        # Adding lists or strings would be quadratic and unbounded in size.
        if not isinstance(item, int | float):
            raise EvaluationError(f"sum() only adds numbers, not {type_name(item)}")
    return sum(items, start)


def _sorted(iterable: Any, reverse: bool = False) -> list:
    items = materialize(iterable)
    current_budget().bulk(len(items) * max(1, math.ceil(math.log2(len(items) + 1))))
    return sorted(items, reverse=bool(reverse))


def _charge_sized(iterable: Any) -> Any:
    if isinstance(iterable, str | list | tuple | dict | set | frozenset):
        current_budget().bulk(len(iterable))
    return bounded_iter(iterable)


def _any(iterable: Any) -> bool:
    return any(_charge_sized(iterable))


def _all(iterable: Any) -> bool:
    return all(_charge_sized(iterable))


def _len(value: Any) -> int:
    return len(value)


def _range(*args: int) -> range:
    result = range(*args)
    limit = current_budget().limits.max_range
    try:
        size = len(result)
    except OverflowError:  # longer than a machine word
        size = None
    if size is not None and size <= limit:
        return result
    raise ResourceLimitExceeded(f"range of {size or 'too many'} numbers exceeds the limit of {limit}")


def _enumerate(iterable: Any, start: int = 0) -> enumerate:
    return enumerate(bounded_iter(iterable), start)


def _zip(*iterables: Any) -> zip:
    return zip(*(bounded_iter(item) for item in iterables), strict=False)


# ---- dates ------------------------------------------------------------------------------
# All datetimes in scripts are timezone-aware (now() is UTC), so naive inputs are read as UTC
# to keep comparisons with now() working.


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _date(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def _datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _timedelta(
    days: float = 0,
    seconds: float = 0,
    *,
    minutes: float = 0,
    hours: float = 0,
    weeks: float = 0,
) -> timedelta:
    return timedelta(days=days, seconds=seconds, minutes=minutes, hours=hours, weeks=weeks)


def _now() -> datetime:
    return clock.now()


def _today() -> date:
    return clock.now().date()


def _as_date(value: Any, function: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise EvaluationError(f"{function}() needs a date, not {type_name(value)}")


def parse_date(text: Any) -> date:
    if isinstance(text, date):
        return _as_date(text, "parse_date")
    if not isinstance(text, str):
        raise EvaluationError(f"parse_date() needs text, not {type_name(text)}")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise EvaluationError(f"{text!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def parse_datetime(text: Any) -> datetime:
    if isinstance(text, datetime):
        return _aware(text)
    if isinstance(text, date):
        return datetime(text.year, text.month, text.day, tzinfo=UTC)
    if not isinstance(text, str):
        raise EvaluationError(f"parse_datetime() needs text, not {type_name(text)}")
    try:
        return _aware(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise EvaluationError(f"{text!r} is not an ISO 8601 date-time") from None


def _whole_days(n: Any, function: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise EvaluationError(f"{function}() needs a whole number of days, not {n!r}")
    return n


def add_days(day: Any, n: Any) -> date:
    if not isinstance(day, date):
        raise EvaluationError(f"add_days() needs a date, not {type_name(day)}")
    return day + timedelta(days=_whole_days(n, "add_days"))


def add_working_days(day: Any, n: Any) -> date:
    """Move n working days (Monday-Friday) forward, or back when n is negative."""
    if not isinstance(day, date):
        raise EvaluationError(f"add_working_days() needs a date, not {type_name(day)}")
    n = _whole_days(n, "add_working_days")
    if n == 0:
        return day
    step = 1 if n > 0 else -1
    # From a weekend day the first step lands where it would from the adjacent Friday (going
    # forward) or Monday (going back); starting there lets whole weeks be added arithmetically.
    while day.weekday() >= 5:
        day -= timedelta(days=step)
    weeks, rest = divmod(abs(n), 5)
    day += timedelta(weeks=weeks * step)
    while rest:
        day += timedelta(days=step)
        if day.weekday() < 5:
            rest -= 1
    return day


def working_days(n: Any) -> str:
    """An ISO 8601 duration spanning n working days from now: a timer's working-day norm.

    `working_days(2)` is "P2D" on a Monday and "P4D" on a Thursday (the weekend does not count).
    """
    start = _now()
    span = add_working_days(start, _whole_days(n, "working_days")) - start
    seconds = int(span.total_seconds())
    return f"P{seconds // 86400}D" if seconds % 86400 == 0 else f"PT{seconds}S"


def days_between(first: Any, second: Any) -> int:
    """Calendar days from `first` to `second` (negative if `second` is earlier)."""
    return (_as_date(second, "days_between") - _as_date(first, "days_between")).days


FUNCTIONS: dict[str, Any] = {
    "len": _len,
    "min": _min_max(min),
    "max": _min_max(max),
    "sum": _sum,
    "any": _any,
    "all": _all,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": _to_text,
    "bool": bool,
    "list": _sequence_of(list),
    "tuple": _sequence_of(tuple),
    "set": _sequence_of(set),
    "dict": _dict,
    "sorted": _sorted,
    "range": _range,
    "enumerate": _enumerate,
    "zip": _zip,
    "date": _date,
    "datetime": _datetime,
    "timedelta": _timedelta,
    "now": _now,
    "today": _today,
    "parse_date": parse_date,
    "parse_datetime": parse_datetime,
    "add_days": add_days,
    "add_working_days": add_working_days,
    "working_days": working_days,
    "days_between": days_between,
}

# ---- methods and attributes, by receiver type --------------------------------------------
# Order matters: datetime is a subclass of date, bool of int.

_STR_METHODS = frozenset({
    "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "join",
    "replace", "title", "capitalize", "count", "find", "isdigit",
})  # fmt: skip
_METHODS: tuple[tuple[type, frozenset[str]], ...] = (
    (str, _STR_METHODS),
    (dict, frozenset({"get", "keys", "values", "items"})),
    (list, frozenset({"count", "index", "append", "extend"})),
    (datetime, frozenset({"weekday", "isoweekday", "isoformat", "date"})),
    (date, frozenset({"weekday", "isoweekday", "isoformat"})),
    (timedelta, frozenset({"total_seconds"})),
)
_ATTRIBUTES: tuple[tuple[type, frozenset[str]], ...] = (
    (datetime, frozenset({"year", "month", "day", "hour", "minute", "second"})),
    (date, frozenset({"year", "month", "day"})),
    (timedelta, frozenset({"days", "seconds"})),
)

METHOD_NAMES = frozenset().union(*(names for _, names in _METHODS))
ATTRIBUTE_NAMES = frozenset().union(*(names for _, names in _ATTRIBUTES))
MUTATING_METHODS = frozenset({"append", "extend"})


def _lookup(receiver: Any, table) -> tuple[type | None, frozenset[str]]:
    for kind, names in table:
        if isinstance(receiver, kind):
            return kind, names
    return None, frozenset()


def _join(separator: str, iterable: Any) -> str:
    items = materialize(iterable)
    for item in items:
        if not isinstance(item, str):
            raise EvaluationError(f"join() needs text items, found {type_name(item)}")
    budget = current_budget()
    budget.check_length(sum(map(len, items)) + len(separator) * max(0, len(items) - 1))
    return separator.join(items)


def _replace(text: str, old: str, new: str, count: int = -1) -> str:
    occurrences = text.count(old) if count < 0 else min(count, text.count(old))
    budget = current_budget()
    budget.check_length(len(text) + occurrences * (len(new) - len(old)))
    budget.bulk(len(text))
    return text.replace(old, new, count)


def _append(items: list, value: Any) -> None:
    current_budget().check_length(len(items) + 1)
    items.append(value)


def _extend(items: list, values: Any) -> None:
    values = materialize(values)
    current_budget().check_length(len(items) + len(values))
    items.extend(values)


def _view(kind: str):
    def listed(mapping: dict) -> list:
        current_budget().bulk(len(mapping))
        # Lists, not live views: safe to loop over while the dict changes, and storable.
        return list(getattr(mapping, kind)())

    return listed


_SPECIAL_METHODS = {
    (str, "join"): _join,
    (str, "replace"): _replace,
    (list, "append"): _append,
    (list, "extend"): _extend,
    (dict, "keys"): _view("keys"),
    (dict, "values"): _view("values"),
    (dict, "items"): _view("items"),
}


def call_method(receiver: Any, name: str, args: list, kwargs: dict) -> Any:
    kind, names = _lookup(receiver, _METHODS)
    if name not in names:
        raise EvaluationError(f"method {name}() is not available on {type_name(receiver)}")
    special = _SPECIAL_METHODS.get((kind, name))
    if special is not None:
        return special(receiver, *args, **kwargs)
    if isinstance(receiver, str | list):
        current_budget().bulk(len(receiver))  # searches, splits and case changes are linear
    return getattr(receiver, name)(*args, **kwargs)


def get_attribute(receiver: Any, name: str) -> Any:
    if name not in _lookup(receiver, _ATTRIBUTES)[1]:
        raise EvaluationError(f"{type_name(receiver)} has no attribute {name!r}")
    return getattr(receiver, name)
