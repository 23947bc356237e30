"""The inbox: my tasks, my teams' unassigned tasks, everything I may see; filtered and sorted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import render_template, request
from flask_babel import get_timezone

from app.services.access.directory import group_names, user_names
from app.services.definitions.versions import pathway_names
from app.services.tasks import actions as task_service

from .session import current_actor, login_required

LISTS = {
    "mine": {"assignee": "me"},
    "teams": {"unassigned": True},
    "all": {},
}
PER_PAGE = 50


@dataclass
class Filters:
    process: str | None
    due_before: str | None
    due_after: str | None
    overdue: bool
    priority: int | None
    text: str | None
    sort: str
    descending: bool

    @classmethod
    def from_args(cls, args) -> Filters:
        priority = args.get("priority", "")
        return cls(
            process=args.get("process") or None,
            due_before=args.get("due_before") or None,
            due_after=args.get("due_after") or None,
            overdue=args.get("overdue") == "1",
            priority=int(priority) if priority.isdigit() else None,
            text=(args.get("q") or "").strip()[:100] or None,
            sort=args.get("sort") if args.get("sort") in task_service.SORTS else "due",
            descending=args.get("order") == "desc",
        )

    def query(self) -> dict:
        return {
            "process_key": self.process,
            "due_before": _day_start(self.due_before, 1),
            "due_after": _day_start(self.due_after, 0),
            "overdue": self.overdue or None,
            "min_priority": self.priority,
            "name_like": self.text,
            "sort_by": self.sort,
            "sort_order": "desc" if self.descending else "asc",
        }


def _day_start(value: str | None, days_later: int) -> datetime | None:
    """A date from a date input as the start of that local day (or of the day after it)."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=days_later), time(), tzinfo=get_timezone())


def routes(bp) -> None:
    @bp.get("/inbox")
    @login_required
    def inbox():
        actor = current_actor()
        current = request.args.get("list") if request.args.get("list") in LISTS else "mine"
        filters = Filters.from_args(request.args)
        query = filters.query()
        # Each tab's count is capped (task_queries.COUNT_CAP): "1000+" costs the same at any size.
        counts = {
            name: task_service.list_tasks(actor, per_page=1, **criteria, **query)
            for name, criteria in LISTS.items()
        }
        page = task_service.list_tasks(actor, per_page=PER_PAGE, **LISTS[current], **query)
        return render_template(
            "inbox.html",
            current=current,
            lists=list(LISTS),
            counts=counts,
            tasks=page.items,
            total=page.total,
            total_capped=page.total_capped,
            filters=filters,
            processes=pathway_names(),
            groups=group_names(),
            users=user_names(t.assignee for t in page.items),
        )
