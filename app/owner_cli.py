"""What `zorgpad deploy`, `migrate` and `test` do, kept out of `cli.py` so that stays a table."""

from __future__ import annotations

import time
from pathlib import Path

import click


def _print_findings(findings: list[dict], err: bool = True) -> None:
    for finding in findings:
        where = ":".join(str(p) for p in (finding["file"], finding["line"]) if p)
        element = f" [{finding['elementId']}]" if finding["elementId"] else ""
        level = "warning: " if finding.get("severity") == "warning" else ""
        click.echo(f"  {where}{element}: {level}{finding['message']}", err=err)


def read_scenarios(*directories) -> dict[str, bytes]:
    """Scenario files beside the diagrams: `<name>.scenarios.yaml` and `scenarios/*.yaml`."""
    found: dict[str, bytes] = {}
    for directory in directories:
        base = Path(directory)
        paths = [*base.glob("*.scenarios.yaml"), *base.glob("*.scenarios.yml")]
        paths += [*base.glob("scenarios/*.yaml"), *base.glob("scenarios/*.yml")]
        for path in sorted(paths):
            found[str(path.relative_to(base))] = path.read_bytes()
    return found


def deploy_once(app, directories, *, dry_run: bool, name: str | None, require_tests: bool) -> bool:
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy, read_directory
    from app.services.errors import DeploymentRejected

    with app.app_context():
        files = read_directory(*directories)
        try:
            result = deploy(
                files,
                actor=SYSTEM,
                name=name or "+".join(str(d) for d in directories),
                source="cli",
                dry_run=dry_run,
                scenarios=read_scenarios(*directories) if require_tests else None,
                require_tests=require_tests,
            )
        except DeploymentRejected as exc:
            click.echo(f"rejected: {exc.detail}", err=True)
            _print_findings(exc.findings)
            return False
    _print_findings([f for f in result.findings if f.get("severity") == "warning"])
    for item in result.created:
        click.echo(f"{'would create' if dry_run else 'created'} {item['key']} v{item['version']}")
    for item in result.unchanged:
        click.echo(f"unchanged {item['key']} v{item['version']}")
    return True


def _snapshot(directories) -> dict[str, float]:
    stamps = {}
    for directory in directories:
        for path in Path(directory).rglob("*"):
            if path.is_file() and path.suffix.lower() in (".bpmn", ".dmn", ".json", ".yaml", ".yml"):
                stamps[str(path)] = path.stat().st_mtime_ns
    return stamps


def watch_and_deploy(app, directories, *, interval: float, rounds: int | None = None, **options) -> None:
    """Deploy now and again after every change of a file's mtime; Ctrl-C stops."""
    seen = None
    done = 0
    try:
        while rounds is None or done < rounds:
            current = _snapshot(directories)
            if current != seen:
                click.echo(time.strftime("[%H:%M:%S] ") + ("deploying" if seen is None else "change seen"))
                deploy_once(app, directories, **options)
                seen = current
            done += 1
            if rounds is None or done < rounds:
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("stopped watching")


def migrate_and_report(app, key, from_version, to_version, instance_ids, dry_run) -> bool:
    from app.services.access.actors import SYSTEM
    from app.services.errors import ServiceError
    from app.services.instances.migration import migrate_instances

    with app.app_context():
        try:
            result = migrate_instances(
                key,
                from_version=from_version,
                to_version=to_version,
                actor=SYSTEM,
                instance_ids=instance_ids or None,
                dry_run=dry_run,
            )
        except ServiceError as exc:
            click.echo(f"error: {exc.detail}", err=True)
            return False
    verb = "would migrate" if dry_run else "migrated"
    click.echo(f"{key} v{result['fromVersion']} -> v{result['toVersion']}")
    for entry in result["instances"]:
        status = "ok" if entry["possible"] else "CANNOT MIGRATE"
        if entry["migrated"]:
            status = "migrated"
        click.echo(f"  {entry['instanceId']}: {status}")
        for item in entry["items"]:
            mark = "maps" if item["maps"] else "MISSING in target"
            click.echo(f"      {item['kind']} {item['elementId']} ({item['name'] or ''}): {mark}")
        for problem in entry["problems"] + ([entry["error"]] if entry["error"] else []):
            click.echo(f"      {problem}")
    count = sum(1 for e in result["instances"] if e["possible"]) if dry_run else result["migrated"]
    click.echo(f"{verb} {count} of {len(result['instances'])} instance(s)")
    return result["notMigratable"] == 0


def run_scenarios(directories) -> bool:
    from app.services.definitions.deployments import read_directory

    from .engine import parse_bundle
    from .engine.scenarios import ScenarioFileError, format_report, run_scenario_file

    bundle = parse_bundle(read_directory(*directories))
    errors = [f for f in bundle.findings if f.severity == "error"]
    if errors:
        click.echo("the diagrams do not parse:", err=True)
        _print_findings([f.as_dict() for f in errors])
        return False
    scenarios = read_scenarios(*directories)
    if not scenarios:
        click.echo("no scenario files found (*.scenarios.yaml or scenarios/*.yaml)", err=True)
        return False
    results = []
    for name, content in scenarios.items():
        try:
            results.extend(run_scenario_file(name, content, bundle.processes))
        except ScenarioFileError as exc:
            click.echo(f"FAIL  {exc}")
            return False
    click.echo(format_report(results))
    return all(r.passed for r in results)
