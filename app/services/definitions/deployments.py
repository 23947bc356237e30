"""Deploy BPMN/DMN/form files: validate, store content-addressed, version what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from app.engine import clock, content_hash, definition_hash, file_kind, parse_bundle
from app.engine.scenarios import scenario_findings
from app.engine.validation import ElementLocator, resolve_forms
from app.models import Deployment, ProcessDefinition, Resource
from app.services import audit
from app.services.access.actors import Actor
from app.services.definitions.checks import check_bundle
from app.services.errors import DeploymentRejected, Forbidden
from app.services.unit_of_work import unit_of_work

DEPLOYER_ROLES = ("process-owner", "admin", "system")


@dataclass
class DeploymentResult:
    deployment_id: str | None
    created: list[dict] = field(default_factory=list)
    unchanged: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "deploymentId": self.deployment_id,
            "created": self.created,
            "unchanged": self.unchanged,
            "findings": self.findings,
            "dryRun": self.dry_run,
        }


def read_directory(*directories: str | Path) -> dict[str, bytes]:
    """The deployable files of one or more folders (not recursive), by file name."""
    files: dict[str, bytes] = {}
    for directory in directories:
        for path in sorted(Path(directory).iterdir()):
            if path.is_file() and file_kind(path.name):
                files[path.name] = path.read_bytes()
    return files


def _latest_forms(session, names: set[str]) -> dict[str, tuple[str, dict]]:
    """Forms deployed earlier, by name, for diagrams that reference a form not in this upload."""
    found: dict[str, tuple[str, dict]] = {}
    for name in names:
        row = session.execute(
            select(Resource)
            .where(Resource.kind == "form", Resource.name == name)
            .order_by(Resource.created_at.desc(), Resource.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is not None:
            found[name] = (row.hash, json.loads(row.content))
    return found


def deploy(
    files: dict[str, bytes],
    *,
    actor: Actor,
    name: str = "deployment",
    source: str = "api",
    dry_run: bool = False,
    scenarios: dict[str, bytes] | None = None,
    require_tests: bool = False,
) -> DeploymentResult:
    """Validate the files and activate new versions of changed processes, all or nothing.

    `scenarios` (YAML scenario files by name) run against the candidate versions; with
    `require_tests` a failing (or missing) scenario rejects the deployment.
    """
    if not any(actor.has_role(role) for role in DEPLOYER_ROLES):
        raise Forbidden("only process owners deploy pathways")
    bundle = parse_bundle(files)
    files = {**files, **bundle.generated}  # forms made from camunda:formData, stored alike
    with unit_of_work() as session:
        check_bundle(session, files, bundle)
        if require_tests and bundle.ok:
            bundle.findings.extend(scenario_findings(bundle.processes, scenarios or {}))
        form_hashes = {
            n: content_hash(c) for n, c in files.items() if file_kind(n) == "form" and n in bundle.forms
        }
        referenced = {f for m in bundle.processes.values() for f in m.meta["forms"]}
        earlier = _latest_forms(session, referenced - set(bundle.forms))
        for form_name, (hash_, _schema) in earlier.items():
            form_hashes[form_name] = hash_
        locate = ElementLocator(files)
        for model in bundle.processes.values():
            bundle.findings.extend(resolve_forms(model, set(form_hashes), locate))
        findings = [f.as_dict() for f in bundle.findings]
        if not bundle.ok:
            raise DeploymentRejected(
                f"{len(findings)} problem(s) found; nothing was activated", findings=findings
            )

        result = DeploymentResult(deployment_id=None, findings=findings, dry_run=dry_run)
        plans = []
        for key, model in sorted(bundle.processes.items()):
            model.meta["form_hashes"] = {f: form_hashes[f] for f in model.meta["forms"]}
            model.content_hash = definition_hash(model, form_hashes)
            existing = session.execute(
                select(ProcessDefinition).where(
                    ProcessDefinition.key == key,
                    ProcessDefinition.content_hash == model.content_hash,
                )
            ).scalar_one_or_none()
            if existing is not None:
                result.unchanged.append({"key": key, "version": existing.version, "id": str(existing.id)})
                continue
            latest = session.execute(
                select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)
            ).scalar()
            plans.append((model, (latest or 0) + 1))

        new_files = [n for n in files if file_kind(n) and _is_new_resource(session, n, files[n])]
        if dry_run or (not plans and not new_files):
            result.created = [{"key": m.key, "version": v} for m, v in plans]
            session.rollback()
            return result

        now = clock.now()
        deployment = Deployment(
            name=name,
            source=source,
            deployed_by=actor.username,
            deployed_at=now,
            files=[
                {"name": n, "hash": content_hash(c), "kind": file_kind(n)} for n, c in sorted(files.items())
            ],
        )
        session.add(deployment)
        for file_name in new_files:
            session.add(
                Resource(
                    hash=content_hash(files[file_name]),
                    name=file_name,
                    kind=file_kind(file_name),
                    content=files[file_name],
                    created_at=now,
                )
            )
        session.flush()
        for model, version in plans:
            definition = ProcessDefinition(
                key=model.key,
                version=version,
                name=model.name,
                content_hash=model.content_hash,
                spec=model.spec,
                meta=model.meta,
                bpmn_hash=content_hash(files[model.bpmn_file]),
                bpmn_name=model.bpmn_file,
                deployment_id=deployment.id,
                created_at=now,
            )
            session.add(definition)
            session.flush()
            result.created.append({"key": model.key, "version": version, "id": str(definition.id)})
        result.deployment_id = str(deployment.id)
        audit.record(
            session,
            actor,
            action="C",
            event_type="deployment.created",
            object_type="Deployment",
            object_id=deployment.id,
            details={"name": name, "source": source, "files": deployment.files, "created": result.created},
        )
    return result


def _is_new_resource(session, name: str, content: bytes) -> bool:
    return (
        session.execute(
            select(Resource.id).where(Resource.hash == content_hash(content), Resource.name == name)
        ).first()
        is None
    )
