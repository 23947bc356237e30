"""Pathway insight pages (Dutch first): norms, durations on the diagram, routes, learning session.

Thin over `app.services.insight.views` (scope, figures, suppression, the audit line). Every chart
is drawn by static/insight.js from the table right under it (the table is the chart's text
alternative), and every table has a CSV download with the same filters (logged as an export).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, render_template, request
from flask_babel import get_locale, gettext

from app.services.errors import InvalidInput, NotFound
from app.services.insight import norms as norm_table
from app.services.insight import views
from app.services.insight.filters import GROUPINGS, make_filters

from ..extensions import db
from .session import current_actor, login_required

FILTER_KEYS = ("since", "until", "by", "organisation", "municipality", "wijk", "process", "version", "norm")


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "nl"


def _date(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            gettext("Not a date: %(value)s", value=value), errors={name: ["not a date"]}
        ) from None


def _filters():
    version = (request.args.get("version") or "").strip()
    if version and not version.isdigit():
        raise InvalidInput(gettext("Not a version number: %(value)s", value=version))
    return make_filters(
        _date("since"),
        _date("until"),
        organisation=request.args.get("organisation"),
        municipality=request.args.get("municipality"),
        wijk=request.args.get("wijk"),
        process_key=request.args.get("process") or None,
        version=int(version) if version else None,
    )


def _args() -> dict:
    return {k: v for k in FILTER_KEYS if (v := (request.args.get(k) or "").strip())}


# -- formatting -----------------------------------------------------------------------------------------
def duration(seconds) -> str:
    """A time taken in words a professional reads at a glance: minutes, hours or days."""
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 3600:
        return gettext("%(n)s min", n=round(seconds / 60))
    if seconds < 2 * 86400:
        return gettext("%(n)s h", n=_number(seconds / 3600))
    return gettext("%(n)s days", n=_number(seconds / 86400))


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if _lang() == "nl" else text


def share(value) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def _value(value):
    """What a chart reads from a cell: a number, or nothing (a suppressed or empty figure)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


# -- tables ---------------------------------------------------------------------------------------------
class Table:
    """One table of figures: the rows as shown (text) and as numbers (for the chart and CSV)."""

    def __init__(self, key: str, title: str, columns: list[tuple[str, str, str]], chart: dict | None = None):
        self.key = key
        self.title = title
        self.columns = columns  # (field, label, kind: text | count | share | duration | days)
        self.chart = chart  # {"type": "bar"|"line", "label": field, "values": [fields], "scale": ...}
        self.rows: list[dict] = []

    def add(self, row: dict, element: str | None = None) -> None:
        cells = []
        for name, _label, kind in self.columns:
            value = row.get(name)
            cells.append({"text": _text(value, kind), "value": _value(value), "raw": value, "name": name})
        self.rows.append({"cells": cells, "element": element})

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([label for _, label, _ in self.columns])
        for row in self.rows:
            writer.writerow([_csv_value(cell["raw"]) for cell in row["cells"]])
        return out.getvalue()


def _text(value, kind: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str) and kind != "text":
        return value  # "< 5"
    if kind == "share":
        return share(value)
    if kind == "duration":
        return duration(value)
    if kind == "days":
        return _number(value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return value


def _cell_columns(by_label: str | None) -> list[tuple[str, str, str]]:
    columns = [("normTitle", gettext("Norm"), "text")]
    if by_label:
        columns.append(("group", by_label, "text"))
    return columns + [
        ("measured", gettext("Measured"), "count"),
        ("residents", gettext("Residents"), "count"),
        ("shareMet", gettext("Met"), "share"),
        ("medianSeconds", gettext("Median"), "duration"),
        ("p90Seconds", gettext("P90"), "duration"),
        ("open", gettext("Still open"), "count"),
        ("atRisk", gettext("At risk"), "count"),
        ("overdue", gettext("Overdue"), "count"),
    ]


def _group_labels() -> dict:
    return {
        "total": None,
        "week": gettext("Week"),
        "month": gettext("Month"),
        "organisation": gettext("Organisation"),
        "municipality": gettext("Municipality"),
        "wijk": gettext("Neighbourhood"),
        "team": gettext("Team"),
    }


def compliance_tables(answer: dict, by: str, title: str, key: str = "compliance") -> Table:
    titles = {n["key"]: n["title"] for n in answer["norms"]}
    chart = None
    if by == "total":
        chart = {"type": "bar", "label": "normTitle", "values": ["shareMet"], "scale": "share"}
    elif len(answer["norms"]) == 1:  # one norm over weeks, months or places
        kind = "line" if by in ("week", "month") else "bar"
        chart = {"type": kind, "label": "group", "values": ["shareMet"], "scale": "share"}
    table = Table(key, title, _cell_columns(_group_labels()[by]), chart)
    for cell in answer["cells"]:
        table.add({**cell, "normTitle": titles.get(cell["norm"], cell["norm"])})
    return table


# -- pages ----------------------------------------------------------------------------------------------
def _overview(export: bool = False):
    by = request.args.get("by") or "total"
    answer = views.compliance_view(
        db.session, current_actor(), _filters(), by=by, lang=_lang(), export=export
    )
    tables = [compliance_tables(answer, by, gettext("Norm compliance"))]
    return answer, tables


def _norm(key: str, export: bool = False):
    if key not in norm_table.BY_KEY:
        raise NotFound("no such norm")
    actor = current_actor()
    filters = _filters()
    tables, answer = [], None
    groupings = ["week", "month", "organisation", "municipality", "wijk"]
    scope = views.scope_of(actor)
    if scope.kind == "network":
        groupings.append("team")
    for by in groupings:
        # One view, one audit line: the first query logs it.
        answer = views.compliance_view(
            db.session, actor, filters, by=by, norm=key, lang=_lang(), export=export, log=by == groupings[0]
        )
        tables.append(
            compliance_tables(answer, by, gettext("Per %(group)s", group=_group_labels()[by].lower()), by)
        )
    return answer, tables


def _durations(export: bool = False):
    answer = views.durations_view(db.session, current_actor(), _filters(), lang=_lang(), export=export)
    steps = Table(
        "steps",
        gettext("Steps: waiting and working time"),
        [
            ("name", gettext("Step"), "text"),
            ("lane", gettext("Team"), "text"),
            ("created", gettext("Created"), "count"),
            ("completed", gettext("Completed"), "count"),
            ("waitMedianSeconds", gettext("Waiting, median"), "duration"),
            ("waitP90Seconds", gettext("Waiting, P90"), "duration"),
            ("workMedianSeconds", gettext("Working, median"), "duration"),
            ("workP90Seconds", gettext("Working, P90"), "duration"),
        ],
        {
            "type": "bar",
            "label": "name",
            "values": ["waitMedianSeconds", "workMedianSeconds"],
            "scale": "hours",
        },
    )
    for step in answer["steps"]:
        steps.add(step, element=step["elementId"])
    flows = Table(
        "flows",
        gettext("Gateways and decisions: which way"),
        [
            ("name", gettext("Gateway or decision"), "text"),
            ("label", gettext("Way taken"), "text"),
            ("count", gettext("Times"), "count"),
            ("share", gettext("Share"), "share"),
        ],
    )
    for flow in answer["flows"]:
        flows.add(flow, element=flow.get("flowId") or flow["elementId"])
    return answer, [steps, flows]


def _routes(export: bool = False):
    answer = views.routes_view(db.session, current_actor(), _filters(), lang=_lang(), export=export)
    variants = Table(
        "variants",
        gettext("Most frequent paths"),
        [
            ("rank", "#", "text"),
            ("path", gettext("Path"), "text"),
            ("count", gettext("Instances"), "count"),
            ("share", gettext("Share"), "share"),
        ],
        {"type": "bar", "label": "rank", "values": ["count"], "scale": "count"},
    )
    for n, item in enumerate(answer["variants"]["items"], start=1):
        steps = item.get("steps")
        path = (
            " → ".join(s["name"] + (" ↻" if s["repeats"] else "") for s in steps)
            if steps
            else gettext("(hidden)")
        )
        variants.add({**item, "path": path, "rank": f"#{n}"})
    routes = Table(
        "triage-routes",
        gettext("Triage routes by urgency"),
        [
            ("route", gettext("Route"), "text"),
            ("urgency", gettext("Urgency"), "text"),
            ("count", gettext("Decisions"), "count"),
            ("residents", gettext("Residents"), "count"),
        ],
        {"type": "bar", "label": ["route", "urgency"], "values": ["count"], "scale": "count"},
    )
    for cell in answer["triageRoutes"]:
        routes.add(cell)
    cycles = Table(
        "cycles",
        gettext("Per resident: scale-ups, scale-down cycles, relapses"),
        [
            ("label", gettext("Number"), "text"),
            ("scaleUps", gettext("Residents with this many scale-ups"), "count"),
            ("cycles", gettext("… scale-up → scale-down cycles"), "count"),
            ("relapses", gettext("… relapses"), "count"),
        ],
        {"type": "bar", "label": "label", "values": ["scaleUps", "cycles", "relapses"], "scale": "count"},
    )
    for row in answer["cycles"]["rows"]:
        cycles.add(row)
    board = Table(
        "fact-board",
        gettext("Time on the FACT board"),
        [
            ("stints", gettext("Times on the board"), "count"),
            ("residents", gettext("Residents"), "count"),
            ("ended", gettext("Taken off"), "count"),
            ("onBoard", gettext("Still on"), "count"),
            ("medianDays", gettext("Days, median"), "days"),
            ("p90Days", gettext("Days, P90"), "days"),
            ("longestOpenDays", gettext("Longest still on, days"), "days"),
        ],
    )
    board.add(answer["factBoard"])
    return answer, [variants, routes, cycles, board]


PAGES = {"overview": _overview, "durations": _durations, "routes": _routes}


def routes(bp) -> None:
    bp.add_app_template_filter(duration, "insight_duration")

    @bp.get("/insight")
    @login_required
    def insight():
        answer, tables = _overview()
        return render_template(
            "insight.html", page="overview", answer=answer, tables=tables, args=_args(),
            groupings=GROUPINGS, group_labels=_group_labels(),
        )  # fmt: skip

    @bp.get("/insight/norms/<key>")
    @login_required
    def insight_norm(key):
        answer, tables = _norm(key)
        norm = norm_table.BY_KEY[key].as_dict(_lang())
        return render_template(
            "insight_norm.html", page="norm", answer=answer, tables=tables, norm=norm, args=_args()
        )

    @bp.get("/insight/durations")
    @login_required
    def insight_durations():
        answer, tables = _durations()
        return render_template(
            "insight_durations.html", page="durations", answer=answer, tables=tables, args=_args()
        )

    @bp.get("/insight/durations/diagram.bpmn")
    @login_required
    def insight_diagram():
        version = (request.args.get("version") or "").strip()
        if not version.isdigit():
            raise NotFound("no such version")
        xml = views.diagram_xml(db.session, current_actor(), request.args.get("process") or "", int(version))
        return Response(xml, mimetype="application/xml")

    @bp.get("/insight/routes")
    @login_required
    def insight_routes():
        answer, tables = _routes()
        return render_template(
            "insight_routes.html", page="routes", answer=answer, tables=tables, args=_args()
        )

    @bp.get("/insight/learning")
    @login_required
    def insight_learning():
        answer = views.learning_view(db.session, current_actor(), lang=_lang())
        titles = {n.key: n.title[_lang()] for n in norm_table.NORMS}
        return render_template(
            "insight_learning.html", page="learning", answer=answer, titles=titles, args={}
        )

    @bp.get("/insight/<page>/<table>.csv")
    @login_required
    def insight_csv(page, table):
        if page.startswith("norm-"):
            _answer, tables = _norm(page[len("norm-") :], export=True)
        elif page in PAGES:
            _answer, tables = PAGES[page](export=True)
        else:
            raise NotFound("no such page")
        found = next((t for t in tables if t.key == table), None)
        if found is None:
            raise NotFound("no such table")
        response = Response(found.csv(), mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="zorgpad-{page}-{table}.csv"'
        return response
