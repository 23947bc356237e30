"""The norm figures recomputed from the raw history rows, without the rollup or its SQL.

Independent on purpose: it reads `history_events` (and a task's priority from `human_tasks`,
a case's place from `cases`) and applies the written definitions (`norms.MEASURES`, the norm
table's events and limits) with its own calendar arithmetic, percentiles and pairing.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.models import Case, Group, HistoryEvent, HumanTask, Organisation, ProcessDefinition, ProcessInstance
from app.services.insight.norms import NORMS, Norm

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass
class Measurement:
    norm: str
    case_id: object
    instance_id: object
    started: datetime
    deadline: datetime
    ended: datetime | None = None
    cancelled: bool = False


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _add_iso(moment: datetime, iso: str) -> datetime:
    number, unit = int(iso.lstrip("P").lstrip("T")[:-1]), iso[-1]
    if "T" in iso and unit == "H":
        return moment + timedelta(hours=number)
    if unit == "D":
        return moment + timedelta(days=number)
    if unit == "W":
        return moment + timedelta(weeks=number)
    if unit == "M":
        return _add_months(moment, number)
    raise ValueError(iso)


def _add_working_days(moment: datetime, n: int) -> datetime:
    # Walk day by day: Saturday and Sunday do not count; from a weekend day, count from Friday.
    day = moment
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def deadline(norm: Norm, start: datetime) -> datetime:
    due = start
    for iso in norm.durations:
        due = _add_iso(due, iso)
    return _add_working_days(due, norm.working_days) if norm.working_days else due


def measurements(session) -> list[Measurement]:
    rows = list(session.execute(select(HistoryEvent).order_by(HistoryEvent.id)).scalars())
    process = dict(session.execute(select(ProcessInstance.id, ProcessInstance.process_key)).all())
    priority = dict(session.execute(select(HumanTask.id, HumanTask.priority)).all())
    found: list[Measurement] = []
    for norm in NORMS:
        open_by_instance: dict = {}
        by_task: dict = {}
        for row in rows:
            if process.get(row.instance_id) not in norm.processes:
                continue
            if row.kind == norm.start.kind and row.element_id == norm.start.element:
                if norm.priority is not None and priority.get(row.task_id) != norm.priority:
                    continue
                m = Measurement(norm.key, row.case_id, row.instance_id, row.at, deadline(norm, row.at))
                found.append(m)
                by_task[row.task_id] = m
                open_by_instance.setdefault(row.instance_id, []).append(m)
            elif row.kind == norm.end.kind and row.element_id == norm.end.element:
                if norm.start.element == norm.end.element:
                    m = by_task.get(row.task_id)
                else:
                    waiting = [m for m in open_by_instance.get(row.instance_id, []) if m.ended is None]
                    m = waiting[0] if waiting else None
                if m is not None and m.ended is None and not m.cancelled:
                    m.ended = row.at
            elif row.kind == "task_cancelled" and norm.start.element == norm.end.element:
                m = by_task.get(row.task_id)
                if m is not None and m.ended is None:
                    m.cancelled = True
            elif row.kind in ("instance_completed", "instance_cancelled"):
                for m in open_by_instance.get(row.instance_id, []):
                    if m.ended is None:
                        m.cancelled = True
    return found


def nearest_rank(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def figures(items: list[Measurement], now: datetime) -> dict:
    """The figures of one cell, as norms.MEASURES defines them."""
    items = [m for m in items if not m.cancelled]
    stopped = [m for m in items if m.ended is not None]
    open_ = [m for m in items if m.ended is None]
    overdue = [m for m in open_ if m.deadline < now]
    at_risk = [m for m in open_ if now >= m.started + (m.deadline - m.started) * 0.75]
    met = [m for m in stopped if m.ended <= m.deadline]
    seconds = [(m.ended - m.started).total_seconds() for m in stopped]
    decided = len(stopped) + len(overdue)
    return {
        "measured": len(items),
        "residents": len({m.case_id for m in items}),
        "stopped": len(stopped),
        "met": len(met),
        "decided": decided,
        "shareMet": len(met) / decided if decided else None,
        "medianSeconds": nearest_rank(seconds, 0.5),
        "p90Seconds": nearest_rank(seconds, 0.9),
        "open": len(open_),
        "atRisk": len(at_risk),
        "overdue": len(overdue),
    }


def places(session) -> dict:
    return {
        row.id: (row.municipality, row.wijk)
        for row in session.execute(select(Case.id, Case.municipality, Case.wijk))
    }


def week(moment: datetime):
    day = moment.astimezone(AMSTERDAM).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def organisations_of_lanes(session, norm_key: str) -> str | None:
    """The organisation of the lane the norm's responsible element sits in (from the deployed meta)."""
    norm = next(n for n in NORMS if n.key == norm_key)
    orgs = dict(session.execute(select(Group.key, Organisation.key).join(Organisation)).all())
    for meta in session.execute(select(ProcessDefinition.meta)).scalars():
        for tasks in meta["user_tasks"].values():
            if norm.responsible in tasks:
                return orgs.get(tasks[norm.responsible]["lane"])
    return None
