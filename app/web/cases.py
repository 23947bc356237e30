"""The case page: a resident's pathways, their timeline and the diagram with progress marked."""

from __future__ import annotations

from flask import Response, render_template

from app.services.access.directory import group_names, user_names
from app.services.cases.views import case_file, instance_diagram

from .session import current_actor, login_required


def routes(bp) -> None:
    @bp.get("/cases/<uuid:case_id>")
    @login_required
    def case(case_id):
        file = case_file(case_id, actor=current_actor())
        people = {e.actor for view in file.instances for e in view.events}
        people |= {t.assignee for view in file.instances for t in view.open_tasks}
        return render_template("case.html", file=file, groups=group_names(), users=user_names(people))

    @bp.get("/instances/<uuid:instance_id>/diagram.bpmn")
    @login_required
    def diagram(instance_id):
        xml = instance_diagram(instance_id, actor=current_actor())
        return Response(xml, mimetype="application/xml")
