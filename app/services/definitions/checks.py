"""Deployment checks that need the database: groups, deployed processes and their messages."""

from __future__ import annotations

from sqlalchemy import func, select

from app.engine import Bundle, Finding
from app.engine.validation import ElementLocator, called_process_findings, validate_files
from app.models import Group, ProcessDefinition
from app.services.definitions.form_rules import hint_problems


def latest_definitions(session) -> list[ProcessDefinition]:
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    return list(
        session.execute(
            select(ProcessDefinition).join(
                newest,
                (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.version),
            )
        ).scalars()
    )


def check_bundle(session, files: dict[str, bytes], bundle: Bundle) -> None:
    """Add every engine- and service-level finding to `bundle.findings`."""
    deployed = {d.key: d for d in latest_definitions(session)}
    bundle.findings = called_process_findings(files, bundle.findings, set(bundle.processes), set(deployed))
    bundle.findings.extend(validate_files(files))
    bundle.findings.extend(_unknown_groups(session, files, bundle))
    bundle.findings.extend(_uncaught_messages(ElementLocator(files), bundle, deployed))
    bundle.findings.extend(
        Finding(name, problem) for name, schema in bundle.forms.items() for problem in hint_problems(schema)
    )


def _unknown_groups(session, files, bundle: Bundle) -> list[Finding]:
    known = set(session.execute(select(Group.key)).scalars())
    locate = ElementLocator(files)
    later = ": nobody will see these tasks until an administrator creates it"
    findings = []
    for model in bundle.processes.values():
        meta, file = model.meta, model.bpmn_file
        for lane in meta["lanes"]:
            if lane not in known:
                message = f"lane '{lane}' is not a known group{later}"
                findings.append(locate.lane_finding(file, lane, message, "warning"))
        for tasks in meta["user_tasks"].values():
            for task_id, task in tasks.items():
                for group in task["candidate_groups"]:
                    if group not in known and group not in meta["lanes"]:
                        message = f"candidate group '{group}' is not a known group{later}"
                        findings.append(locate.finding(file, task_id, message, "warning"))
        for group in meta["starter_groups"]:
            if group not in known:
                message = f"starter group '{group}' is not a known group: nobody can start it by hand"
                findings.append(locate.finding(file, model.key, message, "warning"))
    return findings


def _uncaught_messages(
    locate: ElementLocator, bundle: Bundle, deployed: dict[str, ProcessDefinition]
) -> list[Finding]:
    catchers: set[str] = set()
    for key, definition in deployed.items():
        if key not in bundle.processes:
            catchers.update(definition.meta.get("messages_caught") or [])
            catchers.update(definition.meta.get("message_starts") or [])
    for model in bundle.processes.values():
        catchers.update(model.meta["messages_caught"])
        catchers.update(model.meta["message_starts"])
    return [
        locate.message_finding(
            model.bpmn_file,
            name,
            f"message '{name}' is sent but no process (in this deployment or deployed) waits for it",
            "warning",
        )
        for model in bundle.processes.values()
        for name in model.meta["messages_thrown"]
        if name not in catchers
    ]
