"""The task page: case header, the form drawn from its JSON Schema, claim/give back/complete."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.services.access.directory import colleagues_for, group_names, user_names
from app.services.errors import InvalidInput
from app.services.tasks import actions as task_service
from app.services.tasks import comments
from app.services.tasks.views import task_view

from ..extensions import db
from .form_fields import build_fields, parse_form
from .session import current_actor, login_required


def routes(bp) -> None:
    @bp.get("/tasks/<uuid:task_id>")
    @login_required
    def task(task_id):
        view = task_view(task_id, actor=current_actor())
        data = view.task.data if view.task.status == "completed" else view.task.draft
        return _render(view, data, {})

    @bp.post("/tasks/<uuid:task_id>/claim")
    @login_required
    def claim(task_id):
        task_service.claim(task_id, actor=current_actor())
        flash(gettext("The task is yours now."), "success")
        return redirect(url_for("web.task", task_id=task_id))

    @bp.post("/tasks/<uuid:task_id>/unclaim")
    @login_required
    def unclaim(task_id):
        task_service.unclaim(task_id, actor=current_actor())
        flash(gettext("You gave the task back to the team."), "success")
        return redirect(url_for("web.inbox", list="teams"))

    @bp.post("/tasks/<uuid:task_id>/assign")
    @login_required
    def assign(task_id):
        assignee = request.form.get("assignee") or ""
        task_service.assign(task_id, assignee, actor=current_actor())
        name = user_names([assignee]).get(assignee, assignee)
        flash(gettext("The task is now with %(name)s.", name=name), "success")
        return redirect(url_for("web.task", task_id=task_id))

    @bp.post("/tasks/<uuid:task_id>/comments")
    @login_required
    def comment(task_id):
        try:
            comments.add_comment(task_id, request.form.get("text") or "", actor=current_actor())
        except InvalidInput:
            flash(gettext("Write a comment of at most 2000 characters."), "error")
        return redirect(url_for("web.task", task_id=task_id) + "#comments")

    @bp.post("/tasks/<uuid:task_id>/complete")
    @login_required
    def complete(task_id):
        actor = current_actor()
        view = task_view(task_id, actor=actor)
        data = parse_form(view.schema or {}, request.form)
        if request.form.get("action") == "draft":
            task_service.save_draft(task_id, data, actor=actor)
            flash(gettext("Draft saved."), "success")
            return redirect(url_for("web.task", task_id=task_id))
        try:
            task_service.complete(task_id, data, actor=actor)
        except InvalidInput as exc:
            flash(gettext("The form has errors; see the marked fields."), "error")
            return _render(view, data, exc.errors), 422
        flash(gettext("Done: “%(name)s” is completed.", name=view.task.name), "success")
        return redirect(url_for("web.inbox"))


def _render(view, data, errors):
    actor = current_actor()
    task = view.task
    # Read-only fields show what the service put into the open task, never what a post sent.
    data = {**(data or {}), **task_service.read_only_values(task, view.schema)}
    fields = build_fields(view.schema, data, _humanised(errors)) if view.schema else []
    notes = comments.list_comments(db.session, task.id, actor)
    involved = {
        task.assignee,
        task.completed_by,
        *(t.assignee for t in view.others),
        *(c.author for c in notes),
    }
    return render_template(
        "task.html",
        view=view,
        task=task,
        fields=fields,
        form_error=_humanised(errors).get("(root)"),
        error_count=len(errors),
        mine=task.assignee == actor.username,
        may_claim=task.status == "open" and not task.assignee and task_service.is_candidate(actor, task),
        may_complete=task.status == "open" and (task.assignee in (None, actor.username)),
        groups=group_names(),
        users=user_names(involved),
        comments=notes,
        colleagues=[c for c in colleagues_for(task) if c[0] != task.assignee]
        if task.status == "open"
        else [],
    )


_MESSAGES = [
    (re.compile(r"is a required property"), lambda m: gettext("Required.")),
    (re.compile(r"is not of type 'integer'"), lambda m: gettext("Enter a whole number.")),
    (re.compile(r"is not of type 'number'"), lambda m: gettext("Enter a number.")),
    (re.compile(r"is less than the minimum of (\S+)"), lambda m: gettext("At least %(n)s.", n=m.group(1))),
    (re.compile(r"is greater than the maximum of (\S+)"), lambda m: gettext("At most %(n)s.", n=m.group(1))),
    (re.compile(r"is too long"), lambda m: gettext("Too long.")),
    (re.compile(r"should be non-empty|is too short"), lambda m: gettext("Add at least one.")),
    (
        re.compile(r"is not valid under any of the given schemas|is not one of"),
        lambda m: gettext("Choose one of the options."),
    ),
]


def _humanised(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """JSON-Schema messages in the user's language, one per field."""
    result = {}
    for path, messages in errors.items():
        texts = []
        for message in messages:
            for pattern, text in _MESSAGES:
                match = pattern.search(message)
                if match:
                    texts.append(text(match))
                    break
            else:
                texts.append(message)
        result[path] = list(dict.fromkeys(texts))
    return result
