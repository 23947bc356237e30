"""The insight use cases the API and the web pages call: decide the actor's scope, compute the
figures from the rollup's facts, hide what the scope may not see, and log the view.

Every view is one NEN 7513 line, an aggregate read (R, `insight.read`, no client named): the
figures name no resident. The action-learning list shows per-case metrics under pseudonymous
labels, so it logs one line per resident shown, as a listing does (`record_search`).
Read-only: the caller commits the audit lines (the API and the web do so after the response).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.engine import clock
from app.models import InsightWatermark, ProcessDefinition
from app.services.access.actors import Actor
from app.services.audit.record import record_access, record_search
from app.services.definitions.resources import bpmn_content
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.insight import access, compliance, durations, learning, norms, routes
from app.services.insight.diagram import diagram_of
from app.services.insight.filters import Filters, check_grouping
from app.services.insight.rollup import WATERMARK

OBJECT = "Insight"
LANGS = ("nl", "en")


def scope_of(actor: Actor) -> access.Scope:
    return access.scope_for(
        actor, current_app.config.get("ZORGPAD_INSIGHT_MIN_CELL", access.DEFAULT_MIN_CELL)
    )


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "nl"


def _log(session, actor: Actor, view: str, scope: access.Scope, filters: Filters | None, action="R", **extra):
    details = {"view": view, "scope": scope.kind, **extra}
    if filters is not None:
        details["filters"] = filters.as_dict()
    record_access(
        session,
        actor,
        action=action,
        object_type=OBJECT,
        object_id=view,
        event_type="insight.read" if action == "R" else "insight.exported",
        details=details,
    )


def freshness(session) -> str | None:
    """When the rollup last took in new history (the figures are that fresh)."""
    moment = session.execute(
        select(InsightWatermark.refreshed_at).where(InsightWatermark.name == WATERMARK)
    ).scalar_one_or_none()
    return moment.isoformat() if moment else None


def _frame(session, scope: access.Scope, filters: Filters, lang: str) -> dict:
    return {
        "scope": scope.as_dict(),
        "filters": filters.as_dict(),
        "refreshedAt": freshness(session),
        "measures": norms.MEASURES[lang],
    }


# -- norms ---------------------------------------------------------------------------------------------
def catalogue(actor: Actor, lang: str = "nl") -> list[dict]:
    """The norms and how each is measured (no figures: nothing to log, but the scope is checked)."""
    scope_of(actor)
    return [norm.as_dict(_lang(lang)) for norm in norms.NORMS]


def compliance_view(
    session,
    actor: Actor,
    filters: Filters,
    *,
    by: str = "total",
    norm: str | None = None,
    lang: str = "nl",
    export: bool = False,
    log: bool = True,
) -> dict:
    """Norm compliance per norm (and per `by`: week, month, organisation, municipality, wijk, team)."""
    lang = _lang(lang)
    scope = scope_of(actor)
    by = check_grouping(by)
    if by == "team" and scope.kind == access.INSURER:
        raise Forbidden("figures per team are not for the insurer")
    if norm is not None and norm not in norms.BY_KEY:
        raise InvalidInput("unknown norm", errors={"norm": [f"one of {', '.join(norms.BY_KEY)}"]})
    keys = [norm] if norm else list(norms.BY_KEY)
    now = clock.now()
    if log:  # a page of several groupings logs its view once
        _log(session, actor, "compliance", scope, filters, action="E" if export else "R", by=by, norm=norm)
    cells = [
        access.hide_small(scope, cell, compliance.COUNTS, compliance.DERIVED)
        for cell in compliance.cells(session, scope, filters, by, now, keys)
    ]
    return {
        **_frame(session, scope, filters, lang),
        "by": by,
        "norms": [norms.BY_KEY[key].as_dict(lang) for key in keys],
        "cells": cells,
    }


# -- durations on the diagram ---------------------------------------------------------------------------
def durations_view(
    session, actor: Actor, filters: Filters, *, lang: str = "nl", export: bool = False
) -> dict:
    """Per step of a pathway version: counts, waiting and working time; per gateway/decision the
    share of each outgoing flow (not in the team scope)."""
    lang = _lang(lang)
    scope = scope_of(actor)
    definition = durations.definition_for(session, filters.process_key or "triage", filters.version)
    _log(
        session, actor, "durations", scope, filters, action="E" if export else "R",
        processKey=definition.key, version=definition.version,
    )  # fmt: skip
    steps = [
        access.hide_small(scope, step, durations.STEP_COUNTS, durations.STEP_DERIVED)
        for step in durations.steps(session, scope, filters, definition)
    ]
    flows = [
        access.hide_small(scope, flow, durations.FLOW_COUNTS, durations.FLOW_DERIVED)
        for flow in durations.flows(session, scope, filters, definition)
    ]
    return {
        **_frame(session, scope, filters, lang),
        "processKey": definition.key,
        "version": definition.version,
        "name": definition.name,
        "versions": durations.versions(session, definition.key),
        "steps": steps,
        "flows": flows,
    }


def diagram_xml(session, actor: Actor, process_key: str, version: int) -> bytes:
    """The BPMN of a version for the overlay (a diagram holds no client data)."""
    scope_of(actor)
    definition = durations.definition_for(session, process_key, version)
    content = bpmn_content(session, definition)
    if content is None:
        raise NotFound("no such diagram")
    return content


# -- routes and variants ------------------------------------------------------------------------------
def routes_view(session, actor: Actor, filters: Filters, *, lang: str = "nl", export: bool = False) -> dict:
    lang = _lang(lang)
    scope = scope_of(actor)
    process_key = filters.process_key or "triage"
    definition = durations.definition_for(session, process_key, filters.version)
    _log(session, actor, "routes", scope, filters, action="E" if export else "R", processKey=process_key)
    found = routes.variants(session, scope, filters, process_key, diagram_of(session, definition))
    variants = []
    for item in found["items"]:
        shown = access.hide_small(scope, item, ("count",), {"share": "count"})
        if shown.get("suppressed"):
            shown["steps"] = None  # a rare path could point at someone
        variants.append(shown)
    board = routes.fact_board(session, scope, filters, clock.now())
    cycles = routes.cycles(session, scope, filters)
    if scope.min_cell is not None:
        board = access.hide_small(
            scope, board, ("stints", "ended", "onBoard"), {"medianDays": "ended", "p90Days": "ended"}
        )
        board["longestOpenDays"] = None  # one resident's figure
        k = scope.min_cell
        for row in cycles["rows"]:
            for name in ("scaleUps", "cycles", "relapses"):
                if row[name] < k:
                    row[name] = access.suppressed(k)
        if cycles["residents"] < k:
            cycles["residents"] = access.suppressed(k)
        for row in cycles["rows"]:
            row["residents"] = cycles["residents"]
    return {
        **_frame(session, scope, filters, lang),
        "processKey": process_key,
        "pathways": _pathways(session),
        "variants": {"total": _small(scope, found["total"]), "items": variants},
        "triageRoutes": [
            access.hide_small(scope, cell, ("count",), {})
            for cell in routes.triage_routes(session, scope, filters)
        ],
        "cycles": cycles,
        "factBoard": board,
    }


def _small(scope: access.Scope, value: int):
    if scope.min_cell is not None and value < scope.min_cell:
        return access.suppressed(scope.min_cell)
    return value


def _pathways(session) -> list[str]:
    return list(
        session.execute(select(ProcessDefinition.key).distinct().order_by(ProcessDefinition.key)).scalars()
    )


# -- the action-learning session ------------------------------------------------------------------------
def learning_view(session, actor: Actor, *, lang: str = "nl") -> dict:
    """The learning sessions the actor takes part in, with their flagged cases' metrics."""
    if actor.blind_groups or not (actor.has_role("professional") or actor.has_role("admin")):
        raise Forbidden("the learning session's cases are for its participants")
    found, shown = learning.sessions(session, actor, clock.now(), _lang(lang))
    record_search(
        session,
        actor,
        OBJECT,
        [(case_id, "learning-case", "leercasus") for case_id in shown],
        event_noun="insight.learning",
        view="learning",
    )
    return {"sessions": found, "refreshedAt": freshness(session), "measures": norms.MEASURES[_lang(lang)]}
