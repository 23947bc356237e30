"""Named data a diagram can ask the service to put into a task when it opens.

A user task with the Spiff property `dataSource` = NAME gets `{NAME: provide(NAME)}` in its data.
The engine sees one instance at a time; these sources look across instances.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.models import HumanTask

LEARNING_WINDOW = timedelta(weeks=2)


def provide(name: str, session, now: datetime) -> dict:
    source = SOURCES.get(name)
    if source is None:
        return {}
    return {name: source(session, now)}


def case_label(case_id) -> str:
    """A stable label for a case that reveals nothing without the server's secret key."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, str(case_id).encode(), hashlib.sha256).hexdigest()
    return "LC-" + digest[:8].upper()


def learning_cases(session, now: datetime) -> list[dict]:
    """Cases a case meeting flagged as learning case in the last two weeks, pseudonymised.

    Only the label, the learning question (written without identifying details), the route
    and the day it was flagged leave the case: no names, no case ids, no other form data.
    """
    rows = session.execute(
        select(HumanTask)
        .where(HumanTask.status == "completed", HumanTask.completed_at > now - LEARNING_WINDOW)
        .order_by(HumanTask.completed_at)
    ).scalars()
    cases = []
    for task in rows:
        data = task.data or {}
        if data.get("leercasus") is not True:
            continue
        item = {
            "pseudoniem": case_label(task.case_id),
            "leervraag": str(data.get("leervraag") or "")[:2000],
            "gemarkeerd_op": task.completed_at.date().isoformat(),
        }
        if data.get("route"):
            item["route"] = data["route"]
        cases.append(item)
    return cases


SOURCES = {"leercasussen": learning_cases}
