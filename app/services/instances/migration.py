"""Migrate running instances to another version of their process: report first, then move.

Each instance moves in its own transaction (all or nothing) and gets an `instance_migrated`
history row; instances that cannot move are reported with the reason and left untouched.
"""

from __future__ import annotations

from sqlalchemy import select

from app.engine import EngineError
from app.engine.migration import migrate, plan
from app.models import ProcessInstance
from app.services.access.actors import Actor
from app.services.definitions.versions import get_definition, require_owner
from app.services.errors import InvalidInput
from app.services.instances.creation import get_instance
from app.services.instances.runs import history, load_run, save_run
from app.services.unit_of_work import unit_of_work


def _instance_ids(key: str, from_version: int, instance_ids) -> list:
    with unit_of_work() as session:
        source = get_definition(session, key, from_version)
        query = select(ProcessInstance.id).where(
            ProcessInstance.definition_id == source.id, ProcessInstance.status == "running"
        )
        found = list(session.execute(query.order_by(ProcessInstance.started_at)).scalars())
    if instance_ids:
        wanted = {str(i) for i in instance_ids}
        unknown = wanted - {str(i) for i in found}
        if unknown:
            raise InvalidInput(
                f"not running on {key} v{from_version}: {', '.join(sorted(unknown))}",
                errors={
                    "instanceIds": [f"{i} is not a running instance of this version" for i in sorted(unknown)]
                },
            )
        found = [i for i in found if str(i) in wanted]
    return found


def migrate_instances(
    key: str,
    *,
    from_version: int,
    to_version: int | None = None,
    actor: Actor,
    instance_ids=None,
    dry_run: bool = False,
) -> dict:
    """Report (dry run) or migrate running instances of `key` v`from_version`."""
    require_owner(actor)
    with unit_of_work() as session:
        target = get_definition(session, key, to_version)
        to_version = target.version
    if to_version == from_version:
        raise InvalidInput("source and target version are the same", errors={"toVersion": ["same version"]})
    results = [
        _one(instance_id, to_version, actor, dry_run)
        for instance_id in _instance_ids(key, from_version, instance_ids)
    ]
    return {
        "processKey": key,
        "fromVersion": from_version,
        "toVersion": to_version,
        "dryRun": dry_run,
        "instances": results,
        "migrated": sum(1 for r in results if r["migrated"]),
        "notMigratable": sum(1 for r in results if not r["possible"]),
    }


def _one(instance_id, to_version: int, actor: Actor, dry_run: bool) -> dict:
    with unit_of_work() as session:
        instance = get_instance(session, instance_id)
        source = instance.definition
        target = get_definition(session, instance.process_key, to_version)
        run = load_run(instance)
        report = plan(run, target.content_hash, target.spec)
        entry = {"instanceId": str(instance.id), **report.as_dict(), "migrated": False, "error": None}
        if dry_run or not report.possible:
            session.rollback()
            return entry
        try:
            migrated = migrate(run, target.content_hash, target.spec)
        except EngineError as exc:
            session.rollback()
            return {**entry, "possible": False, "error": exc.message}
        instance.definition_id = target.id
        instance.definition = target
        history(
            session,
            instance,
            "instance_migrated",
            actor,
            data={
                "fromVersion": source.version,
                "toVersion": target.version,
                "fromDefinitionId": str(source.id),
                "toDefinitionId": str(target.id),
                "mapped": [i["elementId"] for i in entry["items"]],
            },
        )
        save_run(session, instance, migrated, actor)
        entry["migrated"] = True
    return entry
