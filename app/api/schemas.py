"""Marshmallow schemas for request bodies and responses (camelCase on the wire)."""

import re
from datetime import UTC

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


# "Has at least one visible character", spelled the same for Python's `re` and ECMA-262 regexes
# (JSON Schema `pattern`), so the documented rule and the enforced rule cannot drift apart.
VISIBLE_CHARACTER = (
    "[^\\t\\n\\v\\f\\r \\x00-\\x1f\\x7f-\\x9f\\xa0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
)


def has_text(value: str) -> None:
    if not re.search(VISIBLE_CHARACTER, value):
        raise ValidationError("must contain visible text")


def Text(max_length: int, **kwargs) -> fields.String:  # noqa: N802 - a field factory reads like a field
    """A required free-text field that must hold more than whitespace."""
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=max_length), has_text],
        metadata={"pattern": VISIBLE_CHARACTER, **kwargs.pop("metadata", {})},
        **kwargs,
    )


class SubjectSchema(_In):
    pseudonym = fields.String(validate=validate.Length(min=1, max=64))
    displayName = fields.String(validate=validate.Length(min=1, max=200))
    network = fields.String(validate=validate.Length(max=100))
    municipality = fields.String(validate=validate.Length(max=100))
    wijk = fields.String(validate=validate.Length(max=100))


class StartInstanceSchema(_In):
    processKey = fields.String(required=True, validate=validate.Length(min=1, max=200))
    subject = fields.Nested(SubjectSchema)
    caseId = fields.UUID()
    businessKey = fields.String(validate=validate.Length(max=200))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class ProblemSchema(Schema):
    """RFC 9457 problem details; `errors` maps a field (path) to its messages.

    Extension members (e.g. `messageId`, `findings`) are allowed, as the RFC says.
    """

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class PersonSubjectSchema(Schema):
    pseudonym = fields.String()
    displayName = fields.String()


class TaskSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    elementId = fields.String(attribute="element_id")
    processKey = fields.String(attribute="process_key")
    instanceId = fields.UUID(attribute="instance_id")
    caseId = fields.UUID(attribute="case_id", allow_none=True)
    lane = fields.String(allow_none=True)
    candidateGroups = fields.List(fields.String(), attribute="candidate_groups")
    candidateUsers = fields.List(fields.String(), attribute="candidate_users")
    assignee = fields.String(allow_none=True)
    status = fields.String()
    due = fields.DateTime(attribute="due_at", allow_none=True)
    priority = fields.Integer()
    formKey = fields.String(attribute="form_key", allow_none=True)
    created = fields.DateTime(attribute="created_at")
    completedAt = fields.DateTime(attribute="completed_at", allow_none=True)
    completedBy = fields.String(attribute="completed_by", allow_none=True)


class TaskSummarySchema(TaskSchema):
    """A task in the inbox; resident fields are null when the caller may not see the case."""

    businessKey = fields.String(attribute="business_key", allow_none=True)
    subject = fields.Nested(PersonSubjectSchema, allow_none=True)
    overdue = fields.Boolean()
    documentation = fields.String(allow_none=True)
    claimedAt = fields.DateTime(attribute="claimed_at", allow_none=True)
    caseData = fields.Boolean(attribute="case_data")


class CompletedTaskSchema(TaskSummarySchema):
    """A completed task, with the tasks its completion opened that the caller may see."""

    nextTasks = fields.List(
        fields.Nested(TaskSummarySchema),
        attribute="next_tasks",
        metadata={"description": "open tasks of the same instance created by this completion"},
    )


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSummarySchema))
    total = fields.Integer(
        metadata={"description": "matching tasks, counted up to 1000: with `totalCapped` there are more"}
    )
    totalCapped = fields.Boolean(
        metadata={"description": "true when `total` is the count's cap, a lower bound: more tasks match"}
    )
    page = fields.Integer()
    perPage = fields.Integer()
    nextCursor = fields.String(
        allow_none=True,
        metadata={"description": "`after` for the next page (same filters and sort); null on the last page"},
    )


_Name = fields.String(validate=validate.Length(min=1, max=200))


class TaskQuerySchema(_In):
    """Camunda task-query names; all filters combine with AND."""

    assignee = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "'me' or a username"}
    )
    candidateGroup = fields.String(validate=validate.Length(min=1, max=200))
    candidateUser = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "'me' or a username"}
    )
    unassigned = fields.Boolean()
    processKey = fields.String(validate=validate.Length(min=1, max=200))
    businessKey = fields.String(validate=validate.Length(min=1, max=200))
    subject = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "the resident's pseudonym"}
    )
    caseId = fields.UUID()
    dueBefore = fields.AwareDateTime(default_timezone=UTC)
    dueAfter = fields.AwareDateTime(default_timezone=UTC)
    priority = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    minPriority = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    maxPriority = fields.Integer(validate=validate.Range(min=0, max=1_000_000))
    overdue = fields.Boolean()
    nameLike = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "text in the name (any case)"}
    )
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "completed", "cancelled"]))
    sortBy = fields.String(load_default="due", validate=validate.OneOf(["due", "created", "priority"]))
    sortOrder = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "page number; a deep page costs more (the pages before it are walked)"},
    )
    perPage = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    after = fields.String(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "keyset paging: the `nextCursor` of the previous page (instead of `page`)"},
    )


class CompleteTaskSchema(_In):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class InstanceSchema(Schema):
    id = fields.UUID()
    processKey = fields.String(attribute="process_key")
    version = fields.Function(lambda i: i.definition.version)
    status = fields.String()
    caseId = fields.UUID(attribute="case_id", allow_none=True)
    businessKey = fields.String(attribute="business_key", allow_none=True)
    startedAt = fields.DateTime(attribute="started_at")
    startedBy = fields.String(attribute="started_by", allow_none=True)
    endedAt = fields.DateTime(attribute="ended_at", allow_none=True)
    nextTimerAt = fields.DateTime(attribute="next_timer_at", allow_none=True)
    error = fields.Dict(allow_none=True)


class FormSchema(Schema):
    key = fields.String()
    schema = fields.Dict(metadata={"description": "JSON Schema 2020-12 of the form"})
    ui = fields.Dict(metadata={"description": "the form's x-ui hints (order, widgets, ...)"})


class ActionsSchema(Schema):
    claim = fields.Boolean()
    unclaim = fields.Boolean()
    assign = fields.Boolean()
    complete = fields.Boolean()
    saveDraft = fields.Boolean()
    comment = fields.Boolean()


class CaseSubjectSchema(PersonSubjectSchema):
    caseId = fields.UUID()


class PathwaySchema(Schema):
    key = fields.String()
    name = fields.String()
    version = fields.Integer()
    instanceId = fields.UUID()
    businessKey = fields.String(allow_none=True)
    status = fields.String()


class StepSchema(Schema):
    elementId = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)


class OtherTaskSchema(Schema):
    taskId = fields.UUID()
    name = fields.String()
    processKey = fields.String()
    candidateGroups = fields.List(fields.String())
    assignee = fields.String(allow_none=True)
    due = fields.DateTime(allow_none=True)


class PreviousStepSchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    processKey = fields.String()
    elementId = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)


class CaseContextSchema(Schema):
    subject = fields.Nested(CaseSubjectSchema, allow_none=True)
    pathway = fields.Nested(PathwaySchema)
    step = fields.Nested(StepSchema)
    otherOpenTasks = fields.List(fields.Nested(OtherTaskSchema))
    previousSteps = fields.List(fields.Nested(PreviousStepSchema))


class TaskDetailSchema(Schema):
    """`variables` and `context` are null for callers who may not see the case (the insurer)."""

    task = fields.Nested(TaskSummarySchema)
    form = fields.Nested(FormSchema, allow_none=True)
    data = fields.Dict(metadata={"description": "the draft, else form fields known in the pathway"})
    draftSaved = fields.Boolean()
    variables = fields.Dict(allow_none=True)
    context = fields.Nested(CaseContextSchema, allow_none=True)
    actions = fields.Nested(ActionsSchema)


class AssignSchema(_In):
    assignee = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DraftSchema(_In):
    data = fields.Dict(keys=fields.String(), required=True)


class NewCommentSchema(_In):
    body = Text(4000)


class CommentSchema(Schema):
    id = fields.Integer()
    taskId = fields.UUID(attribute="task_id")
    author = fields.String()
    body = fields.String()
    created = fields.DateTime(attribute="created_at")


class CommentListSchema(Schema):
    items = fields.List(fields.Nested(CommentSchema))
