"""Deployments, process definitions, their diagrams and migrations (process owners only)."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.services.definitions import versions as definitions
from app.services.definitions.deployments import deploy
from app.services.errors import InvalidInput
from app.services.instances import migration

from .auth import current_actor
from .openapi import problems
from .schemas import _In

blp = Blueprint(
    "process-definitions",
    __name__,
    url_prefix="/api/v1",
    description="Deploy, validate, version and migrate pathway definitions",
)

SCENARIO_SUFFIXES = (".yaml", ".yml")
TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    value = request.form.get(name, request.args.get(name, ""))
    return str(value).strip().lower() in TRUE


@blp.route("/deployments")
class Deployments(MethodView):
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                            "name": {"type": "string"},
                            "dryRun": {"type": "boolean"},
                            "requireTests": {"type": "boolean"},
                        },
                    }
                }
            },
        }
    )
    @blp.response(201, description="The deployment: versions created and unchanged, findings")
    @problems(blp, 403, 422, body=True)
    def post(self):
        """Deploy .bpmn, .dmn and form (.json) files (multipart); `dryRun` only validates.

        Scenario files (.yaml) run against the candidate versions when `requireTests` is set.
        """
        actor = current_actor()
        files, scenarios = _read_upload()
        if not files:
            raise InvalidInput("no files uploaded", errors={"files": ["send one or more files"]})
        result = deploy(
            files,
            actor=actor,
            name=request.form.get("name") or "upload",
            source=request.form.get("source") if request.form.get("source") in ("web", "api") else "api",
            dry_run=_flag("dryRun"),
            scenarios=scenarios,
            require_tests=_flag("requireTests"),
        )
        return result.as_dict(), 200 if result.dry_run or not result.created else 201


def _read_upload() -> tuple[dict[str, bytes], dict[str, bytes]]:
    files: dict[str, bytes] = {}
    scenarios: dict[str, bytes] = {}
    for _field, storage in request.files.items(multi=True):
        name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if not name:
            continue
        target = scenarios if name.lower().endswith(SCENARIO_SUFFIXES) else files
        target[name] = storage.read()
    return files, scenarios


@blp.route("/process-definitions")
class ProcessDefinitions(MethodView):
    @blp.response(200, description="Process definitions with their versions and running instances")
    @problems(blp, 403)
    def get(self):
        """Every process key with its versions and the running instances on each."""
        return {"items": definitions.list_definitions(actor=current_actor())}


@blp.route("/process-definitions/<key>/versions/<int:version>/xml")
class DefinitionXml(MethodView):
    @blp.response(200, description="The version's BPMN XML")
    @problems(blp, 403, 404)
    def get(self, key: str, version: int):
        """The BPMN XML a version was deployed from (for the modeller)."""
        name, content = definitions.definition_xml(key, version, actor=current_actor())
        return Response(
            content,
            mimetype="application/xml",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )


class MigrationSchema(_In):
    fromVersion = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    toVersion = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    instanceIds = fields.List(fields.UUID())
    dryRun = fields.Boolean(load_default=False)


@blp.route("/process-definitions/<key>/migrations")
class Migrations(MethodView):
    @blp.arguments(MigrationSchema)
    @blp.response(200, description="The migration report or result per instance")
    @problems(blp, 403, 404, 422, body=True)
    def post(self, body, key: str):
        """Report (dryRun) or migrate running instances of one version to another (default: latest)."""
        return migration.migrate_instances(
            key,
            from_version=body["fromVersion"],
            to_version=body.get("toVersion"),
            actor=current_actor(),
            instance_ids=body.get("instanceIds"),
            dry_run=body["dryRun"],
        )
