"""Process instances: start, find, follow and cancel care pathways."""

from flask.views import MethodView
from flask_smorest import Blueprint

from app.services.instances import lifecycle as service
from app.services.instances import queries

from ..extensions import db
from .auth import current_actor
from .instance_schemas import (
    CancelSchema,
    InstanceDetailSchema,
    InstancePageSchema,
    InstanceQuerySchema,
)
from .openapi import problems
from .schemas import StartInstanceSchema

blp = Blueprint(
    "process-instances",
    __name__,
    url_prefix="/api/v1/process-instances",
    description="Start and follow care pathways",
)


@blp.route("")
class ProcessInstances(MethodView):
    @blp.arguments(InstanceQuerySchema, location="query")
    @blp.response(200, InstancePageSchema)
    @problems(blp, 422)
    def get(self, query):
        """Instances the caller may see (see docs/api.md), newest first."""
        actor = current_actor()
        items, total = queries.list_instances(
            db.session,
            actor,
            queries.InstanceFilter(
                process_key=query.get("processKey"),
                status=query.get("status"),
                case=query.get("caseId") or query.get("pseudonym"),
                business_key=query.get("businessKey"),
                page=query["page"],
                per_page=query["perPage"],
            ),
        )
        return {"items": items, "total": total, "page": query["page"], "perPage": query["perPage"]}

    @blp.arguments(StartInstanceSchema)
    @blp.response(201, InstanceDetailSchema)
    @problems(blp, 403, 404, 422, body=True)
    def post(self, body):
        """Start a pathway by process key for a resident (subject) or an existing case."""
        actor = current_actor()
        instance = service.start_instance(
            body["processKey"],
            actor=actor,
            subject=body.get("subject"),
            case_id=body.get("caseId"),
            business_key=body.get("businessKey"),
            variables=body.get("variables") or {},
        )
        return queries.started_detail(db.session, instance, actor)


@blp.route("/<uuid:instance_id>")
class ProcessInstanceItem(MethodView):
    @blp.response(200, InstanceDetailSchema)
    @problems(blp, 404)
    def get(self, instance_id):
        """State, active tasks, and the variables the caller may see."""
        return queries.instance_detail(db.session, instance_id, current_actor())


@blp.route("/<uuid:instance_id>/cancel")
class Cancel(MethodView):
    @blp.arguments(CancelSchema)
    @blp.response(200, InstanceDetailSchema)
    @problems(blp, 403, 404, 409, 422, body=True)
    def post(self, body, instance_id):
        """Stop a pathway with a reason (admins, and professionals who work on the case)."""
        actor = current_actor()
        queries.require_may_cancel(db.session, instance_id, actor)
        service.cancel_instance(instance_id, actor=actor, reason=body["reason"])
        # The cancellation's own audit row says who touched the instance.
        return queries.instance_detail(db.session, instance_id, actor, log_read=False)
