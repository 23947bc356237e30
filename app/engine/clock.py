"""The engine's notion of "now", injectable so tests and simulations can move time.

SpiffWorkflow's timer events call `datetime.now(timezone.utc)` inside their own module. We give
that module a `datetime` subclass whose `now()` asks the clock set for the current context, so
timers, scripts (`now()`) and the service layer all see one time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_current: ContextVar[Clock] = ContextVar("zorgpad_clock", default=system_clock)


def now() -> datetime:
    """Timezone-aware UTC now, from the clock in force."""
    return _current.get()()


@contextlib.contextmanager
def using_clock(clock: Clock) -> Iterator[None]:
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102 - same contract as datetime.now
        current = now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime
