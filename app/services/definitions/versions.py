"""Process definitions as process owners see them: keys, versions, running instances, XML."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import ProcessDefinition, ProcessInstance
from app.services.access.actors import Actor
from app.services.definitions.resources import bpmn_content, form_schema
from app.services.errors import Forbidden, NotFound
from app.services.unit_of_work import unit_of_work

OWNER_ROLES = ("process-owner", "admin", "system")


def require_owner(actor: Actor) -> None:
    if not any(actor.has_role(role) for role in OWNER_ROLES):
        raise Forbidden("only process owners manage pathway definitions")


def list_definitions(*, actor: Actor) -> list[dict]:
    """Every key with its versions, newest first, and the running instances on each version."""
    require_owner(actor)
    with unit_of_work() as session:
        running = dict(
            session.execute(
                select(ProcessInstance.definition_id, func.count())
                .where(ProcessInstance.status == "running")
                .group_by(ProcessInstance.definition_id)
            ).all()
        )
        rows = session.execute(
            select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
        ).scalars()
        by_key: dict[str, dict] = {}
        for row in rows:
            entry = by_key.setdefault(
                row.key, {"key": row.key, "name": row.name, "latestVersion": row.version, "versions": []}
            )
            entry["versions"].append(
                {
                    "id": str(row.id),
                    "version": row.version,
                    "name": row.name,
                    "bpmnFile": row.bpmn_name,
                    "deploymentId": str(row.deployment_id),
                    "createdAt": row.created_at.isoformat(),
                    "runningInstances": running.get(row.id, 0),
                }
            )
        for entry in by_key.values():
            entry["runningInstances"] = sum(v["runningInstances"] for v in entry["versions"])
        return list(by_key.values())


MAX_VERSION = 2**31 - 1  # the column is a 32-bit integer; a larger guess cannot exist


def get_definition(session, key: str, version: int | None = None) -> ProcessDefinition:
    if version is not None and not 1 <= version <= MAX_VERSION:
        # Found by schemathesis: a 22-digit version in the URL overflowed the database driver (500).
        raise NotFound(f"version {version} of process '{key}' is not deployed")
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is None:
        query = query.order_by(ProcessDefinition.version.desc()).limit(1)
    else:
        query = query.where(ProcessDefinition.version == version)
    definition = session.execute(query).scalar_one_or_none()
    if definition is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"{which}process '{key}' is not deployed")
    return definition


def definition_xml(key: str, version: int, *, actor: Actor) -> tuple[str, bytes]:
    """The BPMN file (name, bytes) a version was deployed from, for the modeller."""
    require_owner(actor)
    with unit_of_work() as session:
        definition = get_definition(session, key, version)
        content = bpmn_content(session, definition)
        if content is None:
            raise NotFound(f"the diagram of '{key}' v{version} is not stored")
        return definition.bpmn_name, content


def latest_definition(session, key: str) -> ProcessDefinition:
    definition = session.execute(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(f"no process with key '{key}' is deployed")
    return definition


def may_start(actor: Actor, definition: ProcessDefinition) -> bool:
    if actor.has_role("system") or actor.has_role("admin"):
        return True
    meta = definition.meta
    groups = set(meta.get("starter_groups") or [])
    users = set(meta.get("starter_users") or [])
    if not groups and not users:
        # No explicit starters: the lanes the process starts in may start it.
        groups = set(meta.get("start_lanes") or meta.get("lanes") or [])
    return bool(groups & actor.groups) or actor.username in users


def startable(actor: Actor) -> list[ProcessDefinition]:
    """The latest version of every pathway this actor may start by hand."""
    rows = db.session.execute(
        select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
    )
    latest: dict[str, ProcessDefinition] = {}
    for definition in rows.scalars():
        latest[definition.key] = definition
    return [d for d in latest.values() if may_start(actor, d)]


def pathway_names() -> dict[str, str]:
    """Process key -> name of its latest version, for the inbox's pathway filter."""
    rows = db.session.execute(
        select(ProcessDefinition.key, ProcessDefinition.name).order_by(
            ProcessDefinition.key, ProcessDefinition.version
        )
    ).all()
    return {key: name for key, name in rows}


def latest_start_form(process_key: str, form_name: str) -> dict | None:
    definition = db.session.execute(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == process_key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if definition is None:
        return None
    return form_schema(definition, form_name)
