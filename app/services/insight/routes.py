"""Routes and variants: the most frequent paths through a pathway, triage's routes by urgency,
scale-up → scale-down cycles and relapses per resident, and time on the FACT board."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select

from app.models import InsightInstance, InsightPassage, InsightTask
from app.services.insight import landmarks
from app.services.insight.access import Scope
from app.services.insight.diagram import Diagram
from app.services.insight.filters import (
    Filters,
    percentile_columns,
    percentiles_in_python,
)

I = InsightInstance  # noqa: E741 - the table's initial, as T and P elsewhere
P = InsightPassage
T = InsightTask
TOP = 15
CAP = 3  # "3 or more" in the per-resident distributions


def _instance_conditions(scope: Scope, filters: Filters, process_key: str) -> list:
    where = [I.process_key == process_key, I.started_at >= filters.start, I.started_at < filters.end]
    for name in ("municipality", "wijk"):
        if getattr(filters, name):
            where.append(getattr(I, name) == getattr(filters, name))
    if filters.version is not None:
        where.append(I.version == filters.version)
    if scope.restricted_to_teams:
        # The instances one of the actor's teams worked in.
        worked = select(T.instance_id).where(T.team.in_(sorted(scope.teams)))
        where.append(I.instance_id.in_(worked))
    if filters.organisation:
        worked = select(T.instance_id).where(T.organisation == filters.organisation)
        where.append(I.instance_id.in_(worked))
    return where


def variants(session, scope: Scope, filters: Filters, process_key: str, diagram: Diagram) -> dict:
    """The most frequent paths of the instances that ended (completed) in the period's starts."""
    where = [*_instance_conditions(scope, filters, process_key), I.status == "completed"]
    total, residents = session.execute(
        select(func.count(), func.count(func.distinct(I.case_id))).where(*where)
    ).one()
    rows = session.execute(
        select(
            I.variant_hash,
            func.min(I.variant).label("variant"),
            func.count().label("count"),
            func.count(func.distinct(I.case_id)).label("residents"),
        )
        .where(*where)
        .group_by(I.variant_hash)
        .order_by(func.count().desc(), I.variant_hash)
        .limit(TOP)
    )
    items = []
    for row in rows:
        steps = [
            {
                "elementId": step.rstrip("*"),
                "name": diagram.name(step.rstrip("*")),
                "repeats": step.endswith("*"),
            }
            for step in (row.variant.split(">") if row.variant else [])
        ]
        items.append(
            {
                "variant": row.variant_hash[:12],
                "steps": steps,
                "count": row.count,
                "residents": row.residents,
                "share": row.count / total if total else None,
            }
        )
    return {"total": total, "residents": residents, "items": items}


def triage_routes(session, scope: Scope, filters: Filters) -> list[dict]:
    """Triage's decision: how many residents went which route, by urgency."""
    where = [
        P.process_key == landmarks.TRIAGE_PROCESS,
        P.element_id == landmarks.TRIAGE_DECISION,
        P.kind == "decision",
        P.at >= filters.start,
        P.at < filters.end,
    ]
    if filters.version is not None or filters.municipality or filters.wijk or scope.restricted_to_teams:
        where.append(
            P.instance_id.in_(select(I.instance_id).where(*_instance_conditions(scope, filters, "triage")))
        )
    route = P.outputs[landmarks.ROUTE_OUTPUT].as_string().label("route")
    urgency = P.outputs[landmarks.URGENCY_OUTPUT].as_string().label("urgency")
    rows = session.execute(
        select(
            route,
            urgency,
            func.count().label("count"),
            func.count(func.distinct(P.case_id)).label("residents"),
        )
        .where(*where)
        .group_by(route, urgency)
        .order_by(route, urgency)
    )
    return [
        {"route": row.route, "urgency": row.urgency, "count": row.count, "residents": row.residents}
        for row in rows
    ]


def cycles(session, scope: Scope, filters: Filters) -> dict:
    """Per resident with a scale-up started in the period: how many scale-ups, completed
    scale-down cycles (a handover in P3) and relapses (scale-ups started by a relapse signal)."""
    scale_up = I.process_key == landmarks.SCALE_UP_PROCESS
    per_case = (
        select(
            I.case_id,
            func.sum(case((scale_up, 1), else_=0)).label("scale_ups"),
            func.sum(
                case(
                    (and_(I.process_key == landmarks.HANDOVER_PROCESS, I.handed_over_at.is_not(None)), 1),
                    else_=0,
                )
            ).label("cycles"),
            func.sum(case((and_(scale_up, I.start_message == landmarks.RELAPSE_MESSAGE), 1), else_=0)).label(
                "relapses"
            ),
        )
        .where(
            I.case_id.in_(
                select(I.case_id).where(*_instance_conditions(scope, filters, landmarks.SCALE_UP_PROCESS))
            )
        )
        .group_by(I.case_id)
        .subquery()
    )
    result = {}
    for measure in ("scale_ups", "cycles", "relapses"):
        value = getattr(per_case.c, measure)
        capped = case((value >= CAP, CAP), else_=value)
        rows = session.execute(
            select(capped.label("n"), func.count().label("residents")).group_by(capped).order_by(capped)
        )
        result[measure] = {int(row.n): row.residents for row in rows}
    residents = sum(result["scale_ups"].values())
    table = [
        {
            "n": n,
            "label": f"{n}+" if n == CAP else str(n),
            "scaleUps": result["scale_ups"].get(n, 0),
            "cycles": result["cycles"].get(n, 0),
            "relapses": result["relapses"].get(n, 0),
            "residents": residents,
        }
        for n in range(0, CAP + 1)
    ]
    return {"residents": residents, "rows": table}


def fact_board(session, scope: Scope, filters: Filters, now: datetime) -> dict:
    """Stints on the FACT board that began in the period: how many, how long (left − entered)."""
    where = [
        *_instance_conditions(scope, filters, landmarks.BOARD_PROCESS),
        I.board_entered_at.is_not(None),
    ]
    # Days on the board, in SQL on both databases: the epoch difference, per dialect.
    seconds = _seconds_between(session, I.board_entered_at, I.board_left_at)
    left = I.board_left_at.is_not(None)
    stats = percentile_columns(session, seconds, {"median": 0.5, "p90": 0.9})
    row = session.execute(
        select(
            func.count().label("stints"),
            func.count(func.distinct(I.case_id)).label("residents"),
            func.sum(case((left, 1), else_=0)).label("ended"),
            func.min(case((~left, I.board_entered_at))).label("longest_open_since"),
            *stats,
        ).where(*where)
    ).one()
    values = dict(row._mapping)
    python = percentiles_in_python(session, [], seconds, [*where, left], {"median": 0.5, "p90": 0.9})
    figures = python.get((), {}) if python else values
    since = values["longest_open_since"]
    return {
        "stints": values["stints"],
        "residents": values["residents"],
        "ended": values["ended"] or 0,
        "onBoard": values["stints"] - (values["ended"] or 0),
        "medianDays": _days(figures.get("median")),
        "p90Days": _days(figures.get("p90")),
        "longestOpenDays": _days((now - since).total_seconds()) if since else None,
    }


def _seconds_between(session, start, end):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _days(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 86400, 1)
