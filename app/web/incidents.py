"""Incidents for process owners (and admins): failed steps, retry, retry with corrected data.

Thin over `app.services.instances.repairs`, which checks the role; other roles get the 403 page.
"""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.services.definitions.versions import pathway_names
from app.services.errors import Conflict, InvalidInput, ProcessFailure
from app.services.instances import repairs as incident_service

from .session import current_actor, login_required


def _list_page(errors: dict | None = None, drafts: dict | None = None, status: int = 200):
    page = incident_service.list_incidents(
        current_actor(), process_key=request.args.get("process") or None, per_page=200
    )
    return (
        render_template(
            "incidents.html",
            incidents=page.items,
            total=page.total,
            pathways=pathway_names(),
            errors=errors or {},
            drafts=drafts or {},
        ),
        status,
    )


def routes(bp) -> None:
    @bp.get("/incidents")
    @login_required
    def incidents():
        return _list_page()

    @bp.post("/incidents/<uuid:instance_id>/retry")
    @login_required
    def incident_retry(instance_id):
        return _retry(instance_id, None)

    @bp.post("/incidents/<uuid:instance_id>/correct")
    @login_required
    def incident_correct(instance_id):
        text = request.form.get("variables") or ""
        key = str(instance_id)
        try:
            variables = json.loads(text)
        except json.JSONDecodeError as exc:
            message = gettext(
                "Not valid JSON (line %(line)s, column %(column)s): %(msg)s",
                line=exc.lineno,
                column=exc.colno,
                msg=exc.msg,
            )
            return _list_page({key: message}, {key: text}, 422)
        if not isinstance(variables, dict) or not variables:
            message = gettext('Enter an object with the variables to correct, e.g. {"deler": 2}.')
            return _list_page({key: message}, {key: text}, 422)
        return _retry(instance_id, variables, text)


def _retry(instance_id, variables: dict | None, text: str = ""):
    actor = current_actor()
    key = str(instance_id)
    try:
        if variables is None:
            incident_service.retry(instance_id, actor=actor)
        else:
            incident_service.correct_and_retry(instance_id, variables, actor=actor)
    except ProcessFailure as exc:
        detail = (exc.extra.get("error") or {}).get("message") or exc.detail
        message = gettext("The step failed again: %(detail)s", detail=detail)
        return _list_page({key: message}, {key: text}, 422)
    except (InvalidInput, Conflict) as exc:
        return _list_page({key: exc.detail}, {key: text}, exc.status)
    flash(gettext("The step ran again; the pathway continues."), "success")
    return redirect(url_for("web.incidents"))
