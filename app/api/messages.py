"""Messages from outside systems (a GP system, the crisis service): start or continue pathways."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.services.access.actors import EXTERNAL_SYSTEM
from app.services.errors import Forbidden
from app.services.instances import deliveries

from .auth import current_actor
from .instance_schemas import MessageResultSchema, SendMessageSchema
from .openapi import problems

blp = Blueprint("messages", __name__, url_prefix="/api/v1/messages", description="Report in from outside")
SENDER_ROLES = ("professional", EXTERNAL_SYSTEM, "admin", "system")


@blp.route("")
class Messages(MethodView):
    @blp.arguments(SendMessageSchema)
    @blp.response(201, MessageResultSchema, description="Accepted now: delivered or queued")
    @blp.alt_response(200, schema=MessageResultSchema, description="A retry: the first message", success=True)
    @problems(blp, 403, 409, 422, body=True)
    def post(self, body):
        """Send a BPMN message; `status` says delivered (and to which instance) or queued."""
        actor = current_actor()
        if not any(actor.has_role(role) for role in SENDER_ROLES):
            raise Forbidden("your role may not send messages")
        key = body.get("idempotencyKey") or request.headers.get("Idempotency-Key") or None
        message, created = deliveries.send_message(
            body["name"], body["correlationKeys"], body["payload"], actor=actor, idempotency_key=key
        )
        return message, 201 if created else 200
