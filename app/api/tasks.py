"""The task inbox: Camunda-style task query, the task page, and the actions on a task."""

from flask.views import MethodView
from flask_smorest import Blueprint

from app.services.tasks import actions as service
from app.services.tasks import comments
from app.services.tasks import views as task_views
from app.services.tasks.queries import TaskFilter, inbox_page, task_summary

from ..extensions import db
from .auth import current_actor
from .openapi import problems
from .schemas import (
    AssignSchema,
    CommentListSchema,
    CommentSchema,
    CompletedTaskSchema,
    CompleteTaskSchema,
    DraftSchema,
    NewCommentSchema,
    TaskDetailSchema,
    TaskPageSchema,
    TaskQuerySchema,
    TaskSummarySchema,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Find and do your work")

_FILTER_NAMES = {
    "assignee": "assignee",
    "candidateGroup": "candidate_group",
    "candidateUser": "candidate_user",
    "unassigned": "unassigned",
    "processKey": "process_key",
    "businessKey": "business_key",
    "subject": "subject",
    "caseId": "case_id",
    "dueBefore": "due_before",
    "dueAfter": "due_after",
    "priority": "priority",
    "minPriority": "min_priority",
    "maxPriority": "max_priority",
    "overdue": "overdue",
    "nameLike": "name_like",
    "status": "status",
    "sortBy": "sort_by",
    "sortOrder": "sort_order",
    "page": "page",
    "perPage": "per_page",
    "after": "after",
}


def _summary(task):
    """A task after an action, as the actor who acted on it may see it."""
    from app.services.tasks.queries import sees_case_of

    return task_summary(task, sees_case=sees_case_of(current_actor(), task))


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    @problems(blp, 422)
    def get(self, query):
        """Tasks the caller may see (candidate, assignee, or auditor), filtered, sorted and paged."""
        actor = current_actor()
        page = inbox_page(actor, TaskFilter(**{_FILTER_NAMES[k]: v for k, v in query.items()}))
        return {
            "items": page.items,
            "total": page.total,
            "totalCapped": page.total_capped,
            "page": query["page"],
            "perPage": query["perPage"],
            "nextCursor": page.next_cursor,
        }


@blp.route("/<uuid:task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskDetailSchema)
    @problems(blp, 404)
    def get(self, task_id):
        """The task page: form (JSON Schema + x-ui hints), data so far, case context, allowed actions."""
        return task_views.task_detail(db.session, task_id, current_actor())


@blp.route("/<uuid:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSummarySchema)
    @problems(blp, 403, 404, 409)
    def post(self, task_id):
        """Take a task of one of your groups (409 if someone else holds it)."""
        return _summary(service.claim(task_id, actor=current_actor()))


@blp.route("/<uuid:task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskSummarySchema)
    @problems(blp, 403, 404, 409)
    def post(self, task_id):
        """Give a task back to its groups (the assignee, or an admin)."""
        return _summary(service.unclaim(task_id, actor=current_actor()))


@blp.route("/<uuid:task_id>/assign")
class Assign(MethodView):
    @blp.arguments(AssignSchema)
    @blp.response(200, TaskSummarySchema)
    @problems(blp, 403, 404, 409, 422, body=True)
    def post(self, body, task_id):
        """Hand the task to a member of one of its candidate groups (or a candidate user)."""
        return _summary(service.assign(task_id, body["assignee"], actor=current_actor()))


@blp.route("/<uuid:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteTaskSchema)
    @blp.response(200, CompletedTaskSchema)
    @problems(blp, 403, 404, 409, 422, body=True)
    def post(self, body, task_id):
        """Complete with form data, validated against the task's form (422 lists failing fields).

        `nextTasks` lists the tasks this completion opened in the same pathway that the caller
        may see, so a client can go on without searching the inbox.
        """
        actor = current_actor()
        task = service.complete(task_id, body["data"], actor=actor)
        mine = [t for t in task.next_tasks if service.can_see(actor, t)]
        return {**_summary(task), "next_tasks": [_summary(t) for t in mine]}


@blp.route("/<uuid:task_id>/draft")
class Draft(MethodView):
    @blp.arguments(DraftSchema)
    @blp.response(200, TaskSummarySchema)
    @problems(blp, 403, 404, 409, 422, body=True)
    def put(self, body, task_id):
        """Save form data without completing (not validated until completion)."""
        return _summary(service.save_draft(task_id, body["data"], actor=current_actor()))


@blp.route("/<uuid:task_id>/comments")
class Comments(MethodView):
    @blp.response(200, CommentListSchema)
    @problems(blp, 404)
    def get(self, task_id):
        """Comments on the task, oldest first."""
        return {"items": comments.list_comments(db.session, task_id, current_actor())}

    @blp.arguments(NewCommentSchema)
    @blp.response(201, CommentSchema)
    @problems(blp, 403, 404, 422, body=True)
    def post(self, body, task_id):
        """Leave a comment for colleagues on the task."""
        return comments.add_comment(task_id, body["body"], actor=current_actor())
