"""Process instances: start a pathway."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..services import instances as service
from .auth import current_actor
from .schemas import InstanceSchema, StartInstanceSchema

blp = Blueprint(
    "process-instances",
    __name__,
    url_prefix="/api/v1/process-instances",
    description="Start and follow care pathways",
)


@blp.route("")
class ProcessInstances(MethodView):
    @blp.arguments(StartInstanceSchema)
    @blp.response(201, InstanceSchema)
    def post(self, body):
        """Start a pathway by process key for a resident (subject) or an existing case."""
        actor = current_actor()
        return service.start_instance(
            body["processKey"],
            actor=actor,
            subject=body.get("subject"),
            case_id=body.get("caseId"),
            business_key=body.get("businessKey"),
            variables=body.get("variables") or {},
        )
