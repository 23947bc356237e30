"""Start a pathway by hand: a new report (melding) opens triage."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.services.definitions.versions import latest_start_form, startable
from app.services.errors import InvalidInput
from app.services.instances import lifecycle as instance_service
from app.services.tasks import actions as task_service
from app.services.tasks.views import open_tasks_of_instance

from .form_fields import build_fields, parse_form
from .session import current_actor, login_required
from .tasks import _humanised

# Pathways a professional starts from the UI, with the form that captures the start data.
START_FORMS = {"triage": "triage-melding.schema.json"}


def routes(bp) -> None:
    @bp.route("/start", methods=["GET", "POST"])
    @login_required
    def start():
        actor = current_actor()
        allowed = [d for d in startable(actor) if d.key in START_FORMS]
        if not allowed:
            return render_template("start.html", definition=None, fields=[]), 403
        definition = allowed[0]
        schema = latest_start_form(definition.key, START_FORMS[definition.key]) or {}
        if request.method == "GET":
            return render_template("start.html", definition=definition, fields=build_fields(schema, {}, {}))
        data = parse_form(schema, request.form)
        try:
            task_service.validate_against(schema, data)
        except InvalidInput as exc:
            fields = build_fields(schema, data, _humanised(exc.errors))
            flash(gettext("The form has errors; see the marked fields."), "error")
            return render_template("start.html", definition=definition, fields=fields), 422
        instance = instance_service.start_instance(
            definition.key,
            actor=actor,
            subject={"displayName": data["bewoner"]["naam"]},
            variables=data,
        )
        flash(gettext("The report is registered and the pathway has started."), "success")
        mine = open_tasks_of_instance(instance.id, actor=actor)
        if mine:
            # The report's data fills the first step's form, to check and complete.
            task_service.save_draft(mine[0].id, data, actor=actor)
            return redirect(url_for("web.task", task_id=mine[0].id))
        return redirect(url_for("web.inbox"))
