"""The in-browser modeller (process owners and admins): bpmn-js, validate and deploy.

The page and its calls go through the web session: the JSON routes below are part of the web
blueprint, so they need the login cookie and, for the deployment POST, the CSRF token (sent
by `static/modeller.js` in the `X-CSRFToken` header). No API token is pasted into the page.
"""

from __future__ import annotations

from flask import Response, jsonify, render_template, request

from app.services.definitions import versions as definitions
from app.services.definitions.deployments import deploy
from app.services.errors import InvalidInput, ServiceError

from .session import current_actor, login_required

SCENARIO_SUFFIXES = (".yaml", ".yml")
TRUE = {"1", "true", "yes", "on"}


def _problem(exc: ServiceError):
    body = {"title": exc.title, "status": exc.status, "detail": exc.detail, **exc.extra}
    if isinstance(exc, InvalidInput):
        body["errors"] = exc.errors
    response = jsonify(body)
    response.status_code = exc.status
    return response


def _flag(name: str) -> bool:
    return str(request.form.get(name, "")).strip().lower() in TRUE


def routes(bp) -> None:
    @bp.get("/modeller/")
    @login_required
    def modeller():
        definitions.require_owner(current_actor())
        return render_template("modeller.html")

    @bp.get("/modeller/definitions")
    @login_required
    def modeller_definitions():
        try:
            return {"items": definitions.list_definitions(actor=current_actor())}
        except ServiceError as exc:
            return _problem(exc)

    @bp.get("/modeller/definitions/<key>/<int:version>.bpmn")
    @login_required
    def modeller_definition_xml(key: str, version: int):
        try:
            _name, content = definitions.definition_xml(key, version, actor=current_actor())
        except ServiceError as exc:
            return _problem(exc)
        return Response(content, mimetype="application/xml")

    @bp.post("/modeller/deployments")
    @login_required
    def modeller_deploy():
        files: dict[str, bytes] = {}
        scenarios: dict[str, bytes] = {}
        for storage in request.files.getlist("files"):
            name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
            if name:
                target = scenarios if name.lower().endswith(SCENARIO_SUFFIXES) else files
                target[name] = storage.read()
        try:
            definitions.require_owner(current_actor())
            if not files:
                raise InvalidInput("no files uploaded", errors={"files": ["send one or more files"]})
            result = deploy(
                files,
                actor=current_actor(),
                name=request.form.get("name") or "modeller",
                source="web",
                dry_run=_flag("dryRun"),
                scenarios=scenarios,
                require_tests=_flag("requireTests"),
            )
        except ServiceError as exc:
            return _problem(exc)
        return result.as_dict(), 200 if result.dry_run or not result.created else 201
