"""Pathway insight (issue 22): norm compliance, durations on the diagram, routes and variants,
the action-learning session's cases. Thin over `app.services.insight.views`, which decides who
sees what (process owners and network coordinators everything, a professional their teams, the
insurer aggregates with small cells as "< k") and logs every view as an aggregate read."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.services.insight import views
from app.services.insight.filters import GROUPINGS, make_filters

from ..extensions import db
from .auth import current_actor
from .openapi import problems
from .schemas import _In

blp = Blueprint(
    "insight",
    __name__,
    url_prefix="/api/v1/insight",
    description="Pathway insight for the learning network: norms, durations, routes (aggregates)",
)

LANG = fields.String(
    load_default="nl", validate=validate.OneOf(views.LANGS), metadata={"description": "nl or en"}
)


def Count(**kwargs):  # noqa: N802 - a field factory reads like a field
    """A count; in the insurer's view a count under k is the string "< k"."""
    return fields.Raw(
        allow_none=True,
        metadata={"description": 'a whole number, or "< k" when it counts fewer than k residents (insurer)'},
        **kwargs,
    )


def Figure(description: str):  # noqa: N802
    return fields.Float(allow_none=True, metadata={"description": description})


# -- requests -------------------------------------------------------------------------------------------
class InsightPeriodSchema(_In):
    since = fields.Date(metadata={"description": "first day (default: a year before `until`)"})
    until = fields.Date(metadata={"description": "last day, inclusive (default: today)"})
    organisation = fields.String(validate=validate.Length(max=200))
    municipality = fields.String(validate=validate.Length(max=200))
    wijk = fields.String(validate=validate.Length(max=200))
    lang = LANG


class InsightComplianceQuerySchema(InsightPeriodSchema):
    by = fields.String(load_default="total", validate=validate.OneOf(GROUPINGS))
    norm = fields.String(validate=validate.Length(max=40))
    processKey = fields.String(validate=validate.Length(max=200))


class InsightVersionQuerySchema(InsightPeriodSchema):
    processKey = fields.String(load_default="triage", validate=validate.Length(min=1, max=200))
    version = fields.Integer(validate=validate.Range(min=1, max=1_000_000))


class InsightDiagramQuerySchema(_In):
    processKey = fields.String(required=True, validate=validate.Length(min=1, max=200))
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))


class InsightLangSchema(_In):
    lang = LANG


# -- responses ------------------------------------------------------------------------------------------
class InsightScopeSchema(Schema):
    kind = fields.String(metadata={"description": "network, team or insurer"})
    teams = fields.List(fields.String())
    minCell = fields.Integer(allow_none=True)


class InsightFrameSchema(Schema):
    scope = fields.Nested(InsightScopeSchema)
    filters = fields.Dict()
    refreshedAt = fields.String(
        allow_none=True, metadata={"description": "when the rollup last took in history"}
    )
    measures = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "definitions"}
    )


class InsightEventSchema(Schema):
    kind = fields.String()
    elementId = fields.String()


class InsightNormSchema(Schema):
    key = fields.String()
    title = fields.String()
    source = fields.String(metadata={"description": "the norm as the domain brief states it"})
    processes = fields.List(fields.String())
    start = fields.Nested(InsightEventSchema)
    end = fields.Nested(InsightEventSchema)
    limit = fields.String()
    priority = fields.Integer(allow_none=True)
    definition = fields.String()


class InsightCatalogueSchema(Schema):
    norms = fields.List(fields.Nested(InsightNormSchema))
    measures = fields.Dict(keys=fields.String(), values=fields.String())


class InsightCellSchema(Schema):
    norm = fields.String()
    group = fields.Raw(allow_none=True, metadata={"description": "the group's value (a week, a wijk, ...)"})
    measured = Count()
    residents = Count()
    stopped = Count()
    met = Count()
    decided = Count()
    shareMet = Figure("met / (stopped + open past the norm)")
    medianSeconds = Figure("median time taken (nearest rank), seconds")
    p90Seconds = Figure("90th percentile of the time taken (nearest rank), seconds")
    open = Count()
    atRisk = Count()
    overdue = Count()
    suppressed = fields.Boolean()


class InsightComplianceSchema(InsightFrameSchema):
    by = fields.String()
    norms = fields.List(fields.Nested(InsightNormSchema))
    cells = fields.List(fields.Nested(InsightCellSchema))


class InsightStepSchema(Schema):
    elementId = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    created = Count()
    completed = Count()
    residents = Count()
    waitMedianSeconds = Figure("created → first claim, median (nearest rank)")
    waitP90Seconds = Figure("created → first claim, 90th percentile")
    workMedianSeconds = Figure("first claim → completed, median")
    workP90Seconds = Figure("first claim → completed, 90th percentile")
    suppressed = fields.Boolean()


class InsightFlowSchema(Schema):
    elementId = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "gateway or decision"})
    count = Count()
    residents = Count()
    share = Figure("share of the element's passages")
    target = fields.String()
    targetName = fields.String()
    outcome = fields.String()
    flowId = fields.String(allow_none=True)
    label = fields.String()
    suppressed = fields.Boolean()


class InsightDurationsSchema(InsightFrameSchema):
    processKey = fields.String()
    version = fields.Integer()
    name = fields.String()
    versions = fields.List(fields.Integer())
    steps = fields.List(fields.Nested(InsightStepSchema))
    flows = fields.List(fields.Nested(InsightFlowSchema))


class InsightVariantStepSchema(Schema):
    elementId = fields.String()
    name = fields.String()
    repeats = fields.Boolean()


class InsightVariantSchema(Schema):
    variant = fields.String()
    steps = fields.List(fields.Nested(InsightVariantStepSchema), allow_none=True)
    count = Count()
    residents = Count()
    share = Figure("share of the ended instances")
    suppressed = fields.Boolean()


class InsightVariantsSchema(Schema):
    total = Count()
    items = fields.List(fields.Nested(InsightVariantSchema))


class InsightRouteSchema(Schema):
    route = fields.String(allow_none=True)
    urgency = fields.String(allow_none=True)
    count = Count()
    residents = Count()
    suppressed = fields.Boolean()


class InsightCycleRowSchema(Schema):
    n = fields.Integer()
    label = fields.String()
    scaleUps = Count()
    cycles = Count()
    relapses = Count()
    residents = Count()


class InsightCyclesSchema(Schema):
    residents = Count()
    rows = fields.List(fields.Nested(InsightCycleRowSchema))


class InsightBoardSchema(Schema):
    stints = Count()
    residents = Count()
    ended = Count()
    onBoard = Count()
    medianDays = Figure("days on the board, median of the ended stints")
    p90Days = Figure("days on the board, 90th percentile")
    longestOpenDays = Figure("the longest stint still open, days (not for the insurer)")
    suppressed = fields.Boolean()


class InsightRoutesSchema(InsightFrameSchema):
    processKey = fields.String()
    pathways = fields.List(fields.String())
    variants = fields.Nested(InsightVariantsSchema)
    triageRoutes = fields.List(fields.Nested(InsightRouteSchema))
    cycles = fields.Nested(InsightCyclesSchema)
    factBoard = fields.Nested(InsightBoardSchema)


class InsightCaseNormSchema(Schema):
    norm = fields.String()
    title = fields.String()
    week = fields.String()
    seconds = fields.Float(allow_none=True)
    met = fields.Boolean(allow_none=True)
    open = fields.Boolean()


class InsightLearningCaseSchema(Schema):
    label = fields.String(metadata={"description": "the session's pseudonymous label (LC-…)"})
    question = fields.String()
    norms = fields.List(fields.Nested(InsightCaseNormSchema))
    scaleUps = fields.Integer()
    relapses = fields.Integer()
    handovers = fields.Integer()
    boardDays = fields.List(fields.Float())


class InsightSessionSchema(Schema):
    taskId = fields.String()
    name = fields.String()
    status = fields.String()
    openedAt = fields.String()
    cases = fields.List(fields.Nested(InsightLearningCaseSchema))


class InsightLearningSchema(Schema):
    sessions = fields.List(fields.Nested(InsightSessionSchema))
    refreshedAt = fields.String(allow_none=True)
    measures = fields.Dict(keys=fields.String(), values=fields.String())


# -- endpoints ------------------------------------------------------------------------------------------
def _filters(query: dict):
    return make_filters(
        query.get("since"),
        query.get("until"),
        organisation=query.get("organisation"),
        municipality=query.get("municipality"),
        wijk=query.get("wijk"),
        process_key=query.get("processKey"),
        version=query.get("version"),
    )


@blp.route("/norms")
class Norms(MethodView):
    @blp.arguments(InsightLangSchema, location="query")
    @blp.response(200, InsightCatalogueSchema)
    @problems(blp, 403, 422)
    def get(self, query):
        """The time norms the pathways model, each with the events that start and stop its clock."""
        lang = query["lang"]
        return {"norms": views.catalogue(current_actor(), lang), "measures": views.norms.MEASURES[lang]}


@blp.route("/compliance")
class Compliance(MethodView):
    @blp.arguments(InsightComplianceQuerySchema, location="query")
    @blp.response(200, InsightComplianceSchema)
    @problems(blp, 403, 422)
    def get(self, query):
        """Norm compliance per norm, and per week, month, organisation, municipality, wijk or team."""
        return views.compliance_view(
            db.session,
            current_actor(),
            _filters(query),
            by=query["by"],
            norm=query.get("norm"),
            lang=query["lang"],
        )


@blp.route("/durations")
class Durations(MethodView):
    @blp.arguments(InsightVersionQuerySchema, location="query")
    @blp.response(200, InsightDurationsSchema)
    @problems(blp, 403, 404, 422)
    def get(self, query):
        """Per step of a pathway version: counts, waiting and working time; gateway and decision shares."""
        return views.durations_view(db.session, current_actor(), _filters(query), lang=query["lang"])


@blp.route("/routes")
class Routes(MethodView):
    @blp.arguments(InsightVersionQuerySchema, location="query")
    @blp.response(200, InsightRoutesSchema)
    @problems(blp, 403, 404, 422)
    def get(self, query):
        """Variants, triage routes by urgency, scale-up/scale-down cycles and relapses, FACT board."""
        return views.routes_view(db.session, current_actor(), _filters(query), lang=query["lang"])


@blp.route("/learning")
class Learning(MethodView):
    @blp.arguments(InsightLangSchema, location="query")
    @blp.response(200, InsightLearningSchema)
    @problems(blp, 403, 422)
    def get(self, query):
        """The action-learning sessions you take part in, with their flagged cases' metrics."""
        return views.learning_view(db.session, current_actor(), lang=query["lang"])


@blp.route("/diagram")
class DiagramXml(MethodView):
    @blp.arguments(InsightDiagramQuerySchema, location="query")
    @blp.response(200, description="The version's BPMN 2.0 XML, for drawing the overlay")
    @problems(blp, 403, 404, 422)
    def get(self, query):
        """The BPMN of a pathway version (no client data), to draw the durations on."""
        xml = views.diagram_xml(db.session, current_actor(), query["processKey"], query["version"])
        return Response(xml, mimetype="application/xml")
