"""Incidents for process owners: instances whose asynchronous step failed, and their retry."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from app.services.instances import repairs as service

from .auth import current_actor
from .openapi import problems
from .schemas import InstanceSchema

blp = Blueprint(
    "incidents",
    __name__,
    url_prefix="/api/v1/incidents",
    description="Failed timer and message steps, for process owners",
)


class IncidentQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    processKey = fields.String(validate=validate.Length(min=1, max=200))
    elementId = fields.String(validate=validate.Length(min=1, max=200))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    perPage = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class IncidentSchema(Schema):
    instanceId = fields.UUID(attribute="id")
    processKey = fields.String(attribute="process_key")
    version = fields.Function(lambda i: i.definition.version)
    caseId = fields.UUID(attribute="case_id", allow_none=True)
    elementId = fields.Function(lambda i: (i.error or {}).get("elementId"))
    message = fields.Function(lambda i: (i.error or {}).get("message"))
    line = fields.Function(lambda i: (i.error or {}).get("line"))
    during = fields.Function(lambda i: (i.error or {}).get("during"))
    at = fields.Function(lambda i: (i.error or {}).get("at"))


class IncidentPageSchema(Schema):
    items = fields.List(fields.Nested(IncidentSchema))
    total = fields.Integer()
    page = fields.Integer()
    perPage = fields.Integer()


class RetrySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    variables = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)


@blp.route("")
class Incidents(MethodView):
    @blp.arguments(IncidentQuerySchema, location="query")
    @blp.response(200, IncidentPageSchema)
    @problems(blp, 403)
    def get(self, query):
        """Instances in error, oldest incident first (process owners and admins)."""
        page = service.list_incidents(
            current_actor(),
            process_key=query.get("processKey"),
            element_id=query.get("elementId"),
            page=query["page"],
            per_page=query["perPage"],
        )
        return {"items": page.items, "total": page.total, "page": query["page"], "perPage": query["perPage"]}


@blp.route("/<instance_id>/retry")
class Retry(MethodView):
    @blp.arguments(RetrySchema)
    @blp.response(200, InstanceSchema)
    @problems(blp, 403, 404, 409, 422, body=True)
    def post(self, body, instance_id):
        """Run the failed step again; with `variables`, correct the instance's data first."""
        actor = current_actor()
        if body.get("variables"):
            return service.correct_and_retry(instance_id, body["variables"], actor=actor)
        return service.retry(instance_id, actor=actor)
