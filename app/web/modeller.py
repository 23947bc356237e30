"""The in-browser modeller: bpmn-js from node_modules, validate and deploy through the API.

Minimal and self-contained on purpose: the page calls the REST API with a bearer token pasted
into the page (kept in sessionStorage) until the web UI brings session login.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory

BPMN_JS_DIST = Path(__file__).resolve().parents[2] / "node_modules" / "bpmn-js" / "dist"
SERVED = ("bpmn-modeler.production.min.js", "bpmn-modeler.development.js")

bp = Blueprint("modeller", __name__, url_prefix="/modeller", template_folder="templates")


@bp.get("/")
def page():
    return render_template("modeller.html")


@bp.get("/vendor/bpmn-js/<path:name>")
def bpmn_js(name: str):
    """Only the modeller bundle and its stylesheets/fonts: nothing else from node_modules."""
    if name not in SERVED and not name.startswith("assets/"):
        abort(404)
    if not BPMN_JS_DIST.is_dir():
        abort(404, description="bpmn-js is not installed (run npm ci)")
    return send_from_directory(BPMN_JS_DIST, name)
