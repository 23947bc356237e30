"""Marshmallow schemas for request bodies and responses (camelCase on the wire)."""

from marshmallow import EXCLUDE, Schema, fields, validate


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class SubjectSchema(_In):
    pseudonym = fields.String(validate=validate.Length(min=1, max=64))
    displayName = fields.String(validate=validate.Length(min=1, max=200))
    network = fields.String(validate=validate.Length(max=100))


class StartInstanceSchema(_In):
    processKey = fields.String(required=True, validate=validate.Length(min=1, max=200))
    subject = fields.Nested(SubjectSchema)
    caseId = fields.UUID()
    businessKey = fields.String(validate=validate.Length(max=200))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


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


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema))
    total = fields.Integer()
    page = fields.Integer()
    perPage = fields.Integer()


class TaskQuerySchema(_In):
    assignee = fields.String()
    candidateGroup = fields.String()
    unassigned = fields.Boolean()
    processKey = fields.String()
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "completed", "cancelled"]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    perPage = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


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
