"""Schemas of the process-instance and message endpoints (camelCase on the wire)."""

from marshmallow import RAISE, Schema, fields, validate

from .schemas import PersonSubjectSchema, Text, _In


class InstanceQuerySchema(_In):
    processKey = fields.String(validate=validate.Length(min=1, max=200))
    status = fields.String(validate=validate.OneOf(["running", "completed", "cancelled", "error"]))
    caseId = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "case id or pseudonym"}
    )
    pseudonym = fields.String(validate=validate.Length(min=1, max=64))
    businessKey = fields.String(validate=validate.Length(min=1, max=200))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    perPage = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InstanceSummarySchema(Schema):
    """Resident fields (caseId, businessKey, subject) are null when the caller may not see the case."""

    id = fields.UUID()
    processKey = fields.String()
    processName = fields.String()
    version = fields.Integer()
    status = fields.String()
    caseId = fields.UUID(allow_none=True)
    businessKey = fields.String(allow_none=True)
    subject = fields.Nested(PersonSubjectSchema, allow_none=True)
    startedAt = fields.DateTime()
    startedBy = fields.String(allow_none=True)
    endedAt = fields.DateTime(allow_none=True)
    nextTimerAt = fields.DateTime(allow_none=True)
    error = fields.Dict(allow_none=True)
    caseData = fields.Boolean()


class ActiveTaskSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    elementId = fields.String()
    candidateGroups = fields.List(fields.String())
    assignee = fields.String(allow_none=True)
    due = fields.DateTime(allow_none=True)


class InstanceDetailSchema(InstanceSummarySchema):
    activeTasks = fields.List(fields.Nested(ActiveTaskSchema))
    variables = fields.Dict(allow_none=True)


class InstancePageSchema(Schema):
    items = fields.List(fields.Nested(InstanceSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    perPage = fields.Integer()


class CancelSchema(_In):
    reason = Text(2000)


class CorrelationKeysSchema(Schema):
    """How a message finds its pathway: the resident's case, a business key or an instance."""

    class Meta:
        unknown = RAISE

    case = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "case id or pseudonym"}
    )
    caseId = fields.String(validate=validate.Length(min=1, max=200))
    businessKey = fields.String(validate=validate.Length(min=1, max=200))
    processInstanceId = fields.String(validate=validate.Length(min=1, max=200))


class SendMessageSchema(_In):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    correlationKeys = fields.Nested(CorrelationKeysSchema, load_default=dict)
    payload = fields.Dict(keys=fields.String(), load_default=dict)
    idempotencyKey = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "or the Idempotency-Key header; a retry returns the first message"},
    )


class MessageResultSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    status = fields.String(metadata={"description": "delivered | queued | unmatched"})
    instanceId = fields.UUID(attribute="target_instance_id", allow_none=True)
    attempts = fields.Integer()
    error = fields.String(allow_none=True)
    created = fields.DateTime(attribute="created_at")
    deliveredAt = fields.DateTime(attribute="delivered_at", allow_none=True)
    idempotencyKey = fields.String(attribute="idempotency_key", allow_none=True)
