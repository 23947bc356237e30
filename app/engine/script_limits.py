"""Errors and resource accounting for diagram scripts and expressions.

Shared by the checker/interpreter (`expressions`) and the function library (`script_library`).
The running budget lives in a context variable so library functions (which have the plain
signatures script authors see, e.g. `add_days(d, n)`) can charge work without extra arguments.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


class ExpressionError(Exception):
    """A diagram script or expression was refused or failed.

    `line` and `col` are 1-based positions in the source; `line` is None only for findings
    about the text as a whole (too long, nested too deeply, leaves too much data behind).
    """

    def __init__(self, message: str, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class ExpressionSyntaxError(ExpressionError):
    """The text does not parse as Python."""


class ForbiddenConstruct(ExpressionError):
    """Refused before running: the construct is outside the allowed subset."""


class EvaluationError(ExpressionError):
    """Failed while running: unknown variable, wrong type, missing key, division by zero..."""


class ResourceLimitExceeded(ExpressionError):
    """The script would use more steps, time, memory or nesting than allowed."""


@dataclass(frozen=True)
class Limits:
    max_steps: int = 100_000  # interpreted nodes; bulk work in builtins is charged too
    max_seconds: float = 1.0
    max_int_bits: int = 4096
    max_sequence_length: int = 100_000  # len() of any str/list/tuple/dict/set produced
    max_range: int = 100_000
    max_depth: int = 50  # syntactic nesting of the source
    # Estimated serialised size a script may add to task data. Needed because references
    # are cheap in memory ([big] * 1000 shares `big`) but every copy is written out in JSON.
    max_data_growth: int = 1_000_000
    max_value_depth: int = 100  # nesting of data a script leaves behind


DEFAULT_LIMITS = Limits()

# A builtin touching n elements is far cheaper than n interpreted nodes.
_ELEMENTS_PER_STEP = 8
# Reading the clock every node would double the cost of a cheap node.
_CLOCK_EVERY = 64


class Budget:
    """Counts steps and wall time for one evaluate/execute call."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.steps = 0
        self._deadline = time.monotonic() + limits.max_seconds
        self._next_clock_check = _CLOCK_EVERY

    def tick(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.limits.max_steps:
            raise ResourceLimitExceeded(
                f"script takes more than {self.limits.max_steps} steps (endless loop?)"
            )
        if self.steps >= self._next_clock_check:
            self._next_clock_check = self.steps + _CLOCK_EVERY
            if time.monotonic() > self._deadline:
                raise ResourceLimitExceeded(f"script runs longer than {self.limits.max_seconds} seconds")

    def bulk(self, elements: int) -> None:
        """Charge work done inside a builtin over `elements` items."""
        self.tick(1 + elements // _ELEMENTS_PER_STEP)

    def check_length(self, length: int) -> None:
        if length > self.limits.max_sequence_length:
            raise ResourceLimitExceeded(
                f"result would have {length} items/characters, more than the limit of "
                f"{self.limits.max_sequence_length}"
            )

    def check_int_bits(self, bits: int) -> None:
        if bits > self.limits.max_int_bits:
            raise ResourceLimitExceeded(
                f"number would need about {bits} bits, more than the limit of {self.limits.max_int_bits}"
            )

    def guard(self, value: Any) -> Any:
        """Post-check a freshly produced value (cheap: no walking)."""
        if isinstance(value, int) and not isinstance(value, bool):
            self.check_int_bits(value.bit_length())
        elif isinstance(value, str | list | tuple | dict | set | frozenset):
            self.check_length(len(value))
        return value


_current: ContextVar[Budget | None] = ContextVar("zorgpad_script_budget", default=None)


def current_budget() -> Budget:
    budget = _current.get()
    if budget is None:  # library called outside a run (e.g. from tests): unbounded defaults
        budget = Budget(DEFAULT_LIMITS)
    return budget


def activate(budget: Budget):
    return _current.set(budget)


def deactivate(token) -> None:
    _current.reset(token)


def is_lazy(value: Any) -> bool:
    """Lazy sequences must not outlive a run: they would be consumed outside any budget."""
    return isinstance(value, range | Iterator)


def measure(value: Any, cap: int, depth_cap: int = 10_000) -> tuple[int, int]:
    """Estimate the serialised size and nesting depth of `value`.

    Shared references are counted every time they occur (as JSON would write them). Stops as
    soon as the size passes `cap` or the depth passes `depth_cap`, so the cost is bounded
    whatever the structure (even one that contains itself).
    Raises EvaluationError for lazy sequences, which cannot be stored.
    """
    size = 0
    depth = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack and size <= cap and depth <= depth_cap:
        item, level = stack.pop()
        depth = max(depth, level)
        if isinstance(item, str):
            size += len(item) + 2
        elif item is None or isinstance(item, bool):
            size += 5
        elif isinstance(item, int):
            size += item.bit_length() // 3 + 1
        elif isinstance(item, dict):
            size += 2 + 2 * len(item)
            for key, val in item.items():
                stack.append((key, level + 1))
                stack.append((val, level + 1))
        elif isinstance(item, list | tuple | set | frozenset):
            size += 2 + len(item)
            stack.extend((element, level + 1) for element in item)
        elif is_lazy(item):
            raise EvaluationError(f"a {type(item).__name__} cannot be kept; wrap it in list(...)")
        else:
            size += 24  # float, date, datetime, timedelta, ...
    return size, depth
