"""The action-learning session's own list: its flagged cases' metrics, for its participants.

A session is a `leren` task (`landmarks.LEARNING_SESSION`); its cases are the ones a case meeting
flagged in the two weeks before the task opened — the same cases its `leercasussen` data shows,
under the same pseudonymous label (`data_sources.case_label`): no names, no case ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.models import HumanTask, InsightInstance, InsightNormCase
from app.services.access.actors import Actor
from app.services.insight import landmarks, norms
from app.services.insight.access import may_see_learning_session
from app.services.instances.data_sources import LEARNING_WINDOW, case_label

RECENT = timedelta(weeks=8)
MAX_SESSIONS = 6


def sessions(session, actor: Actor, now: datetime, lang: str = "nl") -> tuple[list[dict], list]:
    """The sessions this actor takes part in (open, or opened in the last 8 weeks), newest first,
    each with its flagged cases' metrics; and the case ids shown (for the audit rows)."""
    tasks = session.execute(
        select(HumanTask)
        .where(
            HumanTask.process_key == landmarks.LEARNING_PROCESS,
            HumanTask.element_id == landmarks.LEARNING_SESSION,
            (HumanTask.status == "open") | (HumanTask.created_at >= now - RECENT),
        )
        .order_by(HumanTask.created_at.desc())
        .limit(50)
    ).scalars()
    found, shown = [], []
    for task in tasks:
        if not may_see_learning_session(actor, task.candidate_groups, task.candidate_users, task.assignee):
            continue
        cases = _flagged(session, task.created_at)
        found.append(
            {
                "taskId": str(task.id),
                "name": task.name,
                "status": task.status,
                "openedAt": task.created_at.isoformat(),
                "cases": [_metrics(session, case_id, question, lang, now) for case_id, question in cases],
            }
        )
        shown.extend(case_id for case_id, _ in cases)
        if len(found) >= MAX_SESSIONS:
            break
    return found, shown


def _flagged(session, opened: datetime) -> list[tuple]:
    rows = session.execute(
        select(HumanTask.case_id, HumanTask.data)
        .where(
            HumanTask.element_id == landmarks.LEARNING_FLAG_ELEMENT,
            HumanTask.status == "completed",
            HumanTask.completed_at > opened - LEARNING_WINDOW,
            HumanTask.completed_at <= opened,
        )
        .order_by(HumanTask.completed_at)
    )
    seen, found = set(), []
    for case_id, data in rows:
        if case_id is None or case_id in seen or (data or {}).get(landmarks.LEARNING_FLAG_FIELD) is not True:
            continue
        seen.add(case_id)
        found.append((case_id, str((data or {}).get("leervraag") or "")[:2000]))
    return found


def _metrics(session, case_id, question: str, lang: str, now: datetime) -> dict:
    measured = session.execute(
        select(InsightNormCase).where(InsightNormCase.case_id == case_id).order_by(InsightNormCase.started_at)
    ).scalars()
    instances = list(
        session.execute(select(InsightInstance).where(InsightInstance.case_id == case_id)).scalars()
    )
    board = [
        ((i.board_left_at or now) - i.board_entered_at).total_seconds() / 86400
        for i in instances
        if i.board_entered_at is not None
    ]
    return {
        "label": case_label(case_id),
        "question": question,
        "norms": [
            {
                "norm": m.norm,
                "title": norms.BY_KEY[m.norm].title[lang] if m.norm in norms.BY_KEY else m.norm,
                "week": m.week.isoformat(),
                "seconds": m.seconds,
                "met": m.met,
                "open": m.ended_at is None and m.cancelled_at is None,
            }
            for m in measured
            if m.cancelled_at is None
        ],
        "scaleUps": sum(1 for i in instances if i.process_key == landmarks.SCALE_UP_PROCESS),
        "relapses": sum(
            1
            for i in instances
            if i.process_key == landmarks.SCALE_UP_PROCESS and i.start_message == landmarks.RELAPSE_MESSAGE
        ),
        "handovers": sum(1 for i in instances if i.handed_over_at is not None),
        "boardDays": [round(days, 1) for days in board],
    }
