"""Durations on the diagram: per step of a pathway version, how many, and how long residents
waited (created → first claim) and were worked on (first claim → completed); per gateway and
decision, the share of each outgoing flow / outcome."""

from __future__ import annotations

import json

from sqlalchemy import case, func, select

from app.models import InsightPassage, InsightTask, ProcessDefinition
from app.services.errors import NotFound
from app.services.insight.access import Scope
from app.services.insight.diagram import diagram_of
from app.services.insight.filters import (
    Filters,
    percentile_columns,
    percentiles_in_python,
    team_condition,
)

T = InsightTask
P = InsightPassage
SHARES = {"median": 0.5, "p90": 0.9}
STEP_COUNTS = ("created", "completed")
STEP_DERIVED = {
    "waitMedianSeconds": "completed",
    "waitP90Seconds": "completed",
    "workMedianSeconds": "completed",
    "workP90Seconds": "completed",
}
FLOW_COUNTS = ("count",)
FLOW_DERIVED = {"share": "count"}


def definition_for(session, process_key: str | None, version: int | None) -> ProcessDefinition:
    if not process_key:
        raise NotFound("name a pathway (processKey)")
    query = select(ProcessDefinition).where(ProcessDefinition.key == process_key)
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    definition = session.execute(
        query.order_by(ProcessDefinition.version.desc()).limit(1)
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(f"no pathway '{process_key}'" + (f" version {version}" if version else ""))
    return definition


def versions(session, process_key: str) -> list[int]:
    return list(
        session.execute(
            select(ProcessDefinition.version)
            .where(ProcessDefinition.key == process_key)
            .order_by(ProcessDefinition.version.desc())
        ).scalars()
    )


def steps(session, scope: Scope, filters: Filters, definition: ProcessDefinition) -> list[dict]:
    """Per user task of the version: counts and waiting/working time (tasks created in the period)."""
    where = [T.definition_id == definition.id, T.created_at >= filters.start, T.created_at < filters.end]
    for name in ("organisation", "municipality", "wijk"):
        if getattr(filters, name):
            where.append(getattr(T, name) == getattr(filters, name))
    team = team_condition(scope, T.team)
    if team is not None:
        where.append(team)
    done = T.status == "completed"
    query = (
        select(
            T.element_id,
            func.count().label("created"),
            func.max(T.team).label("team"),
            func.count(func.distinct(T.case_id)).label("residents"),
            func.sum(case((done, 1), else_=0)).label("completed"),
            *[c.label("wait_" + c.name) for c in percentile_columns(session, T.wait_seconds, SHARES)],
            *[c.label("work_" + c.name) for c in percentile_columns(session, T.work_seconds, SHARES)],
        )
        .where(*where)
        .group_by(T.element_id)
    )
    finished = [*where, done]
    waits = percentiles_in_python(session, [T.element_id], T.wait_seconds, finished, SHARES)
    works = percentiles_in_python(session, [T.element_id], T.work_seconds, finished, SHARES)
    diagram = diagram_of(session, definition)
    found = []
    for row in session.execute(query):
        values = dict(row._mapping)
        wait = waits.get((row.element_id,)) or {k: values.get("wait_" + k) for k in SHARES}
        work = works.get((row.element_id,)) or {k: values.get("work_" + k) for k in SHARES}
        found.append(
            {
                "elementId": row.element_id,
                "name": diagram.name(row.element_id),
                "lane": row.team or diagram.elements.get(row.element_id, {}).get("lane"),
                "created": values["created"],
                "completed": values["completed"] or 0,
                "residents": values["residents"],
                "waitMedianSeconds": wait.get("median"),
                "waitP90Seconds": wait.get("p90"),
                "workMedianSeconds": work.get("median"),
                "workP90Seconds": work.get("p90"),
            }
        )
    found.sort(key=lambda s: (s["lane"] or "", s["name"]))
    return found


def flows(session, scope: Scope, filters: Filters, definition: ProcessDefinition) -> list[dict]:
    """Per gateway and decision of the version: how often each outgoing flow / outcome was taken.

    Not in the team scope: a gateway belongs to the pathway, not to a team.
    """
    if scope.restricted_to_teams:
        return []
    where = [P.definition_id == definition.id, P.at >= filters.start, P.at < filters.end]
    query = (
        select(
            P.element_id,
            P.kind,
            P.outcome,
            func.count().label("count"),
            func.count(func.distinct(P.case_id)).label("residents"),
        )
        .where(*where)
        .group_by(P.element_id, P.kind, P.outcome)
    )
    rows = list(session.execute(query))
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.element_id] = totals.get(row.element_id, 0) + row.count
    diagram = diagram_of(session, definition)
    found = []
    for row in rows:
        item = {
            "elementId": row.element_id,
            "name": diagram.name(row.element_id),
            "kind": row.kind,
            "count": row.count,
            "residents": row.residents,
            "share": row.count / totals[row.element_id],
        }
        if row.kind == "gateway":
            flow = diagram.flow(row.element_id, row.outcome)
            item.update(
                target=row.outcome,
                targetName=diagram.name(row.outcome),
                flowId=flow,
                label=diagram.flow_names.get(flow) or diagram.name(row.outcome),
            )
        else:
            outgoing = list(diagram.outgoing(row.element_id).values())
            item.update(
                outcome=row.outcome,
                flowId=outgoing[0] if len(outgoing) == 1 else None,
                label=_outcome_label(row.outcome),
            )
        found.append(item)
    found.sort(key=lambda f: (f["elementId"], -f["count"]))
    return found


def _outcome_label(outcome: str) -> str:
    """A decision's outputs in a line: the short values (route, urgency), not the free text."""
    try:
        outputs = json.loads(outcome)
    except ValueError:
        return outcome
    if not isinstance(outputs, dict):
        return str(outputs)
    parts = [f"{k}={v}" for k, v in outputs.items() if not isinstance(v, str) or len(v) <= 24]
    return ", ".join(parts)
