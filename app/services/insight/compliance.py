"""Norm compliance: per norm and per week, month, organisation, municipality, wijk or team —
measured, met, median and p90 of the time taken, open and at risk (definitions: norms.MEASURES)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, literal, select

from app.models import InsightNormCase
from app.services.insight import norms
from app.services.insight.access import Scope
from app.services.insight.filters import (
    Filters,
    percentile_columns,
    percentiles_in_python,
    place_conditions,
    team_condition,
)

SHARES = {"median": 0.5, "p90": 0.9}
COUNTS = ("measured", "stopped", "met", "decided", "open", "atRisk", "overdue")
DERIVED = {"shareMet": "decided", "medianSeconds": "stopped", "p90Seconds": "stopped"}

M = InsightNormCase


def _group_column(by: str):
    if by == "total":
        return literal("all").label("grp")
    return getattr(M, by).label("grp")


def conditions(scope: Scope, filters: Filters, norm_keys) -> list:
    found = [
        M.norm.in_(norm_keys),
        M.cancelled_at.is_(None),
        M.started_at >= filters.start,
        M.started_at < filters.end,
        *place_conditions(M, filters),
    ]
    if filters.process_key:
        found.append(M.process_key == filters.process_key)
    team = team_condition(scope, M.team)
    if team is not None:
        found.append(team)
    return found


def cells(session, scope: Scope, filters: Filters, by: str, now: datetime, norm_keys=None) -> list[dict]:
    """One cell per norm and group value, with the raw counts and figures (not yet suppressed)."""
    norm_keys = list(norm_keys or norms.BY_KEY)
    where = conditions(scope, filters, norm_keys)
    group = _group_column(by)
    open_ = M.ended_at.is_(None)
    query = (
        select(
            M.norm,
            group,
            func.count().label("measured"),
            func.count(func.distinct(M.case_id)).label("residents"),
            func.count(M.ended_at).label("stopped"),
            func.sum(case((M.met.is_(True), 1), else_=0)).label("met"),
            func.sum(case((open_, 1), else_=0)).label("open"),
            func.sum(case((open_ & (M.risk_at <= now), 1), else_=0)).label("atRisk"),
            func.sum(case((open_ & (M.deadline_at < now), 1), else_=0)).label("overdue"),
            *percentile_columns(session, M.seconds, SHARES),
        )
        .where(*where)
        .group_by(M.norm, group)
    )
    python_percentiles = percentiles_in_python(session, [M.norm, group], M.seconds, where, SHARES)
    found = []
    for row in session.execute(query):
        values = dict(row._mapping)
        stats = python_percentiles.get((row.norm, row.grp), {}) if python_percentiles else values
        decided = values["stopped"] + values["overdue"]
        found.append(
            {
                "norm": row.norm,
                "group": _group_value(row.grp),
                "measured": values["measured"],
                "residents": values["residents"],
                "stopped": values["stopped"],
                "met": values["met"],
                "decided": decided,
                "shareMet": (values["met"] / decided) if decided else None,
                "medianSeconds": stats.get("median"),
                "p90Seconds": stats.get("p90"),
                "open": values["open"],
                "atRisk": values["atRisk"],
                "overdue": values["overdue"],
            }
        )
    order = {key: index for index, key in enumerate(norms.BY_KEY)}
    found.sort(key=lambda c: (order.get(c["norm"], 99), c["group"] is None, str(c["group"])))
    return found


def _group_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
