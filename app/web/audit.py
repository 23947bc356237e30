"""Pages for auditors: search the audit log, a pathway's history, a resident's accesses, exports.

Thin over `app.services.audit`: the services check the role (auditor or admin; every other
role gets the 403 page, decided before any lookup) and log the auditor's own reads. A resident
is looked up from a posted form (case id or pseudonym), never from a query string; after that
pages carry the case's id in the path only.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext

from app.services.access.directory import group_names, user_names
from app.services.audit import exports, queries
from app.services.definitions.versions import pathway_names
from app.services.errors import NotFound

from ..extensions import db
from .session import current_actor, login_required

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PER_PAGE = 50
FILTERS = ("user", "organisation", "since", "until", "process", "action")


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    """A date from a date input as the start (or the end) of that day in Amsterdam, in UTC."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=AMSTERDAM).astimezone(UTC)


def _filters(args, case: str | None = None) -> queries.SearchFilters:
    action = (args.get("action") or "").strip().upper() or None
    return queries.SearchFilters(
        user=(args.get("user") or "").strip() or None,
        organisation=(args.get("organisation") or "").strip() or None,
        since=_day(args.get("since")),
        until=_day(args.get("until"), end=True),
        process_key=(args.get("process") or "").strip() or None,
        action=action if action in ("C", "R", "U", "D", "E") else None,
        case=case,
    )


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 1_000_000))
    except ValueError:
        return 1


def _export(fmt: str, filters: queries.SearchFilters, name: str) -> Response:
    chunks = exports.begin_export(db.session, current_actor(), fmt, filters)
    db.session.commit()  # the export's own audit row, before the first byte goes out
    response = Response(stream_with_context(chunks), mimetype=exports.FORMATS[fmt])
    extension = exports.EXTENSIONS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def routes(bp) -> None:
    @bp.get("/audit")
    @login_required
    def audit_home():
        actor = current_actor()
        queries.require_auditor(actor)
        args = {k: request.args.get(k, "") for k in FILTERS}
        results = None
        if request.args.get("search") is not None or any(args.values()):
            results = queries.search(
                db.session, actor, _filters(request.args), page=_page_number(), per_page=PER_PAGE
            )
        export_args = {k: v for k, v in args.items() if v}
        return render_template(
            "audit.html",
            args=args,
            export_args=export_args,
            results=results,
            pathways=pathway_names(),
            formats=list(exports.FORMATS),
        )

    @bp.post("/audit/client")
    @login_required
    def audit_client_lookup():
        actor = current_actor()
        queries.require_auditor(actor)
        key = (request.form.get("case") or "").strip()
        try:
            if not key:
                raise NotFound("no case")
            view = queries.client_view(db.session, key, actor, per_page=PER_PAGE)
        except NotFound:
            return _not_found(gettext("No resident with this case id or pseudonym."))
        return _client_page(view)

    @bp.get("/audit/cases/<uuid:case_id>")
    @login_required
    def audit_client(case_id):
        view = queries.client_view(
            db.session, str(case_id), current_actor(), page=_page_number(), per_page=PER_PAGE
        )
        return _client_page(view)

    @bp.get("/audit/cases/<uuid:case_id>/export/<fmt>")
    @login_required
    def audit_client_export(case_id, fmt):
        if fmt not in exports.FORMATS:
            raise NotFound("no such format")
        return _export(fmt, queries.SearchFilters(case=str(case_id)), "zorgpad-audit-client")

    @bp.post("/audit/instance")
    @login_required
    def audit_instance_lookup():
        queries.require_auditor(current_actor())
        try:
            key = uuid.UUID((request.form.get("instance") or "").strip())
        except ValueError:
            return _not_found(gettext("That is not a pathway instance id."))
        return redirect(url_for("web.audit_instance", instance_id=key))

    @bp.get("/audit/instances/<uuid:instance_id>")
    @login_required
    def audit_instance(instance_id):
        history = queries.timeline(db.session, instance_id, current_actor())
        people = {s["user"] for s in history["steps"]} | {s["actingFor"] for s in history["steps"]}
        return render_template(
            "audit_instance.html",
            history=history,
            pathways=pathway_names(),
            users=user_names(p for p in people if p),
            groups=group_names(),
        )

    @bp.get("/audit/instances/<uuid:instance_id>/diagram.bpmn")
    @login_required
    def audit_diagram(instance_id):
        xml = queries.instance_bpmn(db.session, instance_id, current_actor())
        return Response(xml, mimetype="application/xml")

    @bp.get("/audit/export/<fmt>")
    @login_required
    def audit_export(fmt):
        if fmt not in exports.FORMATS:
            raise NotFound("no such format")
        return _export(fmt, _filters(request.args), "zorgpad-audit")


def _client_page(view: queries.Page):
    people = {line["who"] for line in view.items} | {line["actingFor"] for line in view.items}
    return render_template(
        "audit_client.html",
        view=view,
        users=user_names(p for p in people if p),
        pathways=pathway_names(),
        pages=max(1, -(-view.total // view.per_page)),
    )


def _not_found(message: str):
    return (
        render_template(
            "audit.html",
            args={k: "" for k in FILTERS},
            export_args={},
            results=None,
            pathways=pathway_names(),
            formats=list(exports.FORMATS),
            lookup_error=message,
        ),
        404,
    )
