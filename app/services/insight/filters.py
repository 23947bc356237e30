"""What a figure is asked for (period, organisation, place, pathway version) and the SQL pieces
every figure shares: the scope's team condition and nearest-rank percentiles on both databases."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.engine import clock
from app.services.errors import InvalidInput
from app.services.insight.access import Scope

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366
GROUPINGS = ("total", "week", "month", "organisation", "municipality", "wijk", "team")


@dataclass(frozen=True)
class Filters:
    since: date
    until: date  # inclusive (a day, Amsterdam time)
    organisation: str | None = None
    municipality: str | None = None
    wijk: str | None = None
    process_key: str | None = None
    version: int | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), tzinfo=AMSTERDAM).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time(), tzinfo=AMSTERDAM).astimezone(UTC)

    def as_dict(self) -> dict:
        values = {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "organisation": self.organisation,
            "municipality": self.municipality,
            "wijk": self.wijk,
            "processKey": self.process_key,
            "version": self.version,
        }
        return {k: v for k, v in values.items() if v is not None}


def make_filters(
    since: date | None = None,
    until: date | None = None,
    *,
    organisation: str | None = None,
    municipality: str | None = None,
    wijk: str | None = None,
    process_key: str | None = None,
    version: int | None = None,
) -> Filters:
    """Filters with the default period (the year up to today) and their checks."""
    today = clock.now().astimezone(AMSTERDAM).date()
    until = until or today
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    errors = {}
    if since > until:
        errors["since"] = ["must not be after until"]
    elif (until - since).days >= MAX_DAYS:
        errors["since"] = [f"a period is at most {MAX_DAYS} days"]
    if version is not None and version < 1:
        errors["version"] = ["must be 1 or more"]
    if errors:
        raise InvalidInput("the filters are not valid", errors=errors)

    def text(value):
        value = (value or "").strip()
        return value[:200] or None

    return Filters(
        since,
        until,
        organisation=text(organisation),
        municipality=text(municipality),
        wijk=text(wijk),
        process_key=text(process_key),
        version=version,
    )


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        raise InvalidInput("unknown grouping", errors={"by": [f"one of {', '.join(GROUPINGS)}"]})
    return by


def place_conditions(model, filters: Filters) -> list:
    conditions = []
    for name in ("organisation", "municipality", "wijk"):
        value = getattr(filters, name)
        if value is not None:
            conditions.append(getattr(model, name) == value)
    return conditions


def team_condition(scope: Scope, column):
    """The team scope's rows only (lanes of the actor's groups); None for the other scopes."""
    if not scope.restricted_to_teams:
        return None
    return column.in_(sorted(scope.teams))


# -- percentiles --------------------------------------------------------------------------------------
def nearest_rank(values: list[float], share: float) -> float | None:
    """The smallest value with at least `share` of the values at or below it (PostgreSQL's
    percentile_disc): the value at rank ceil(share * n) of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))  # float64, as PostgreSQL computes it
    return ordered[min(rank, len(ordered)) - 1]


def percentile_columns(session, value_column, shares: dict[str, float]):
    """Columns computing the percentiles in SQL where the database can (PostgreSQL), else []."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    return [
        func.percentile_disc(share).within_group(value_column).label(name) for name, share in shares.items()
    ]


def percentiles_in_python(session, group_columns: list, value_column, conditions: list, shares: dict) -> dict:
    """{group key tuple: {name: value}}, for databases without percentile_disc (SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return {}
    values: dict[tuple, list[float]] = defaultdict(list)
    query = select(*group_columns, value_column).where(*conditions, value_column.is_not(None))
    for row in session.execute(query):
        values[tuple(row[:-1])].append(row[-1])
    return {
        key: {name: nearest_rank(found, share) for name, share in shares.items()}
        for key, found in values.items()
    }
