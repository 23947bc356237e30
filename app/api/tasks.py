"""The task inbox."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..extensions import db
from ..services import tasks as service
from .auth import current_actor
from .schemas import CompleteTaskSchema, TaskPageSchema, TaskQuerySchema, TaskSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Find and do your work")


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, query):
        """Tasks the caller may see (candidate or assignee), by due date."""
        actor = current_actor()
        page = service.list_tasks(
            actor,
            status=query["status"],
            assignee=query.get("assignee"),
            candidate_group=query.get("candidateGroup"),
            unassigned=query.get("unassigned"),
            process_key=query.get("processKey"),
            page=query["page"],
            per_page=query["perPage"],
        )
        return {
            "items": page.items,
            "total": page.total,
            "page": query["page"],
            "perPage": query["perPage"],
        }


@blp.route("/<task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskSchema)
    def get(self, task_id):
        """One task."""
        return service.get_task(db.session, task_id, current_actor())


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Take a task of one of your groups."""
        return service.claim(task_id, actor=current_actor())


@blp.route("/<task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a task back to its groups."""
        return service.unclaim(task_id, actor=current_actor())


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteTaskSchema)
    @blp.response(200, TaskSchema)
    def post(self, body, task_id):
        """Complete a task with its form data (validated against the task's form)."""
        return service.complete(task_id, body["data"], actor=current_actor())
