"""The audit trail for auditors: timelines, the client view, search, streaming exports.

Also commits the audit rows of read-only requests (task and instance reads elsewhere in the
API): reads have no unit of work, so the rows `record_access` queued are committed here,
after the response is built. Fail closed: if the audit row cannot be written, the read fails.
"""

from datetime import UTC

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.services.audit import exports, queries
from app.services.audit.record import pending

from ..extensions import db
from .auth import current_actor
from .openapi import problems
from .schemas import _In

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Audit trail (auditors): who saw or changed what, and why a pathway went its way",
)


class AuditFilterSchema(_In):
    user = fields.String()
    organisation = fields.String()
    since = fields.AwareDateTime(default_timezone=UTC)
    until = fields.AwareDateTime(default_timezone=UTC)
    processKey = fields.String()
    action = fields.String(validate=validate.OneOf(["C", "R", "U", "D", "E"]))
    eventType = fields.String()
    case = fields.String(metadata={"description": "case id or pseudonym"})


class AuditSearchSchema(AuditFilterSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    perPage = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class PageSchema(_In):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    perPage = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def _filters(query: dict) -> queries.SearchFilters:
    return queries.SearchFilters(
        user=query.get("user"),
        organisation=query.get("organisation"),
        since=query.get("since"),
        until=query.get("until"),
        process_key=query.get("processKey"),
        action=query.get("action"),
        event_type=query.get("eventType"),
        case=query.get("case"),
    )


@blp.route("/events")
class Events(MethodView):
    @blp.arguments(AuditSearchSchema, location="query")
    @blp.response(200)
    @problems(blp, 403)
    def get(self, query):
        """Search the audit log by user, organisation, period, pathway, action (paged, by seq)."""
        page = queries.search(
            db.session, current_actor(), _filters(query), page=query["page"], per_page=query["perPage"]
        )
        return page.as_dict()


@blp.route("/instances/<instance_id>/timeline")
class Timeline(MethodView):
    @blp.response(200)
    @problems(blp, 403, 404)
    def get(self, instance_id):
        """One pathway instance: each step with who/when/what, and the element ids on its path."""
        return queries.timeline(db.session, instance_id, current_actor())


@blp.route("/cases/<case_key>/accesses")
class ClientView(MethodView):
    @blp.arguments(PageSchema, location="query")
    @blp.response(200)
    @problems(blp, 403, 404)
    def get(self, query, case_key):
        """Who saw or changed this resident's data: when, who, role, organisation, which data."""
        page = queries.client_view(
            db.session, case_key, current_actor(), page=query["page"], per_page=query["perPage"]
        )
        return page.as_dict()


@blp.route("/export/<fmt>")
class Export(MethodView):
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, description="A streamed export (CSV, JSON Lines, FHIR Bundle or XES)")
    @problems(blp, 403, 404)
    def get(self, query, fmt):
        """Stream the log as csv, jsonl or fhir (R4 Bundle of AuditEvent), or the pathways as xes."""
        chunks = exports.begin_export(db.session, current_actor(), fmt, _filters(query))
        db.session.commit()  # the export's own audit row, before the first byte goes out
        response = Response(stream_with_context(chunks), mimetype=exports.FORMATS[fmt])
        extension = exports.EXTENSIONS[fmt]
        response.headers["Content-Disposition"] = f'attachment; filename="zorgpad-audit.{extension}"'
        return response


@blp.after_app_request
def commit_read_audit(response):
    if pending(db.session) and response.status_code < 500:
        db.session.commit()
    return response
