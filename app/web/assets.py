"""bpmn-js and Chart.js as installed from the npm lock file (never a committed bundle)."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_from_directory

# Only what the pages use: the viewer (case, audit) and modeller bundles and their style sheets.
ALLOWED = ("bpmn-navigated-viewer.production.min.js", "bpmn-modeler.production.min.js", "assets/")


def routes(bp) -> None:
    @bp.get("/vendor/bpmn-js/<path:filename>")
    def bpmn_js(filename: str):
        if not filename.startswith(ALLOWED):
            abort(404)
        dist = Path(current_app.config["ZORGPAD_NODE_MODULES"]) / "bpmn-js" / "dist"
        # send_from_directory refuses paths that leave `dist`.
        return send_from_directory(dist, filename, max_age=3600)

    @bp.get("/vendor/chart.js/chart.umd.min.js")
    def chart_js():
        # Chart.js (the insight pages' charts), the UMD build from the npm lock file.
        dist = Path(current_app.config["ZORGPAD_NODE_MODULES"]) / "chart.js" / "dist"
        return send_from_directory(dist, "chart.umd.min.js", max_age=3600)
