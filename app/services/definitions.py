"""Process definitions as process owners see them: keys, versions, running instances, XML."""

from __future__ import annotations

from sqlalchemy import func, select

from ..models import ProcessDefinition, ProcessInstance
from .actors import Actor
from .deployments import bpmn_content
from .errors import Forbidden, NotFound
from .unit_of_work import unit_of_work

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
