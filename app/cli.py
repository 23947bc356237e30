"""The `zorgpad` command: database, deployments, users, worker and server."""

from __future__ import annotations

import json
import signal
import sys
import threading

import click

from . import create_app


def _app():
    return create_app()


@click.group()
def main() -> None:
    """Zorgpad: care-pathway engine service."""


# -- database -----------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app.models.schema import upgrade

    with _app().app_context():
        upgrade(revision)
    click.echo(f"database at {revision}")


# -- deployments --------------------------------------------------------------------------------
@main.command()
@click.argument("directories", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; activate nothing.")
@click.option("--name", default=None, help="Deployment name (default: the folder names).")
@click.option("--require-tests", is_flag=True, help="Run the folders' scenario files; reject on failure.")
@click.option("--watch", is_flag=True, help="Redeploy whenever a file changes (stop with Ctrl-C).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks with --watch.")
def deploy(directories, dry_run: bool, name: str | None, require_tests: bool, watch: bool, interval: float):
    """Deploy the .bpmn, .dmn and form (.json) files of DIRECTORIES (unchanged: nothing new)."""
    from .owner_cli import deploy_once, watch_and_deploy

    app = _app()
    options = {"dry_run": dry_run, "name": name, "require_tests": require_tests}
    if watch:
        watch_and_deploy(app, directories, interval=interval, **options)
        return
    if not deploy_once(app, directories, **options):
        sys.exit(1)


@main.command()
@click.argument("key")
@click.option("--from", "from_version", type=int, required=True, help="Version the instances run on.")
@click.option("--to", "to_version", type=int, default=None, help="Target version (default: latest).")
@click.option("--instance", "instance_ids", multiple=True, help="Only this instance (repeatable).")
@click.option("--dry-run", is_flag=True, help="Report what maps; migrate nothing.")
def migrate(key, from_version, to_version, instance_ids, dry_run) -> None:
    """Migrate running instances of KEY from one version to another (report with --dry-run)."""
    from .owner_cli import migrate_and_report

    if not migrate_and_report(_app(), key, from_version, to_version, list(instance_ids), dry_run):
        sys.exit(1)


@main.command("test")
@click.argument("directories", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
def test_scenarios(directories) -> None:
    """Run the pathway scenarios (*.scenarios.yaml, scenarios/*.yaml) of DIRECTORIES in memory."""
    from .owner_cli import run_scenarios

    if not run_scenarios(directories):
        sys.exit(1)


# -- users ----------------------------------------------------------------------------------------
@main.group()
def users() -> None:
    """Users, roles, group memberships and API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--display-name")
@click.option("--organisation", "--org")
@click.option("--role", "roles", multiple=True, help="professional, process-owner, auditor, admin, system")
@click.option("--group", "groups", multiple=True, help="Group (lane) key, e.g. wijkteam-triage")
@click.option("--password", help="Login password for the web inbox (prompted if --ask-password).")
@click.option("--ask-password", is_flag=True)
def users_add(username, display_name, organisation, roles, groups, password, ask_password):
    """Create a user."""
    from app.services.access import identity

    if ask_password:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    with _app().app_context():
        identity.add_user(
            username,
            display_name=display_name,
            organisation=organisation,
            roles=list(roles) or None,
            password=password,
        )
        if groups:
            identity.grant(username, groups=list(groups))
    click.echo(f"user {username} created")


@users.command("grant")
@click.argument("username")
@click.option("--group", "groups", multiple=True)
@click.option("--role", "roles", multiple=True)
def users_grant(username, groups, roles):
    """Add group memberships or roles."""
    from app.services.access import identity

    with _app().app_context():
        identity.grant(username, groups=list(groups), roles=list(roles))
    click.echo(f"granted to {username}")


@users.command("token")
@click.argument("username")
@click.option("--label", default="cli")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 365))
def users_token(username, label, days):
    """Print a new bearer token for USERNAME (alone on stdout, for scripts)."""
    from datetime import timedelta

    from app.services.access import identity

    with _app().app_context():
        token = identity.issue_token(username, label=label, lifetime=timedelta(days=days))
    click.echo(token)


@users.command("revoke")
@click.argument("username")
def users_revoke(username):
    """Revoke every token of USERNAME and end every web session (a credential leaked)."""
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM

    with _app().app_context():
        done = accounts.revoke_credentials(username, actor=SYSTEM)
    click.echo(f"revoked {done['tokensRevoked']} token(s), ended {done['sessionsEnded']} session(s)")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """Deactivate USERNAME: no more logins; every session and token ends now (audited)."""
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM

    with _app().app_context():
        done = accounts.deactivate(username, actor=SYSTEM)
    click.echo(
        f"user {username} deactivated: ended {done['sessionsEnded']} session(s), "
        f"revoked {done['tokensRevoked']} token(s)"
    )


@users.command("activate")
@click.argument("username")
def users_activate(username):
    """Let a deactivated USERNAME log in again (revoked tokens stay revoked; audited)."""
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM

    with _app().app_context():
        accounts.activate(username, actor=SYSTEM)
    click.echo(f"user {username} active")


@users.command("revoke-group")
@click.argument("username")
@click.option("--group", "group", required=True, help="Group (lane) key to take away")
def users_revoke_group(username, group):
    """Take GROUP away from USERNAME (effective at the next request; audited)."""
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM

    with _app().app_context():
        accounts.revoke_group(username, group, actor=SYSTEM)
    click.echo(f"user {username} is no longer in {group}")


@users.command("password")
@click.argument("username")
def users_password(username):
    """Set USERNAME's password (prompted); every session of the user ends (audited)."""
    from app.services.access import accounts
    from app.services.access.actors import SYSTEM

    password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
    with _app().app_context():
        ended = accounts.set_password(username, password, actor=SYSTEM)
    click.echo(f"password of {username} set; ended {ended} session(s)")


@main.command("seed-demo")
def seed_demo() -> None:
    """Create the documented demo organisations, groups and users (idempotent)."""
    from app.services.access.demo import seed

    with _app().app_context():
        created = seed()
    click.echo(f"demo users ready ({created} new)")


# -- audit ----------------------------------------------------------------------------------------
@main.group()
def audit() -> None:
    """The NEN 7513 audit trail: verify the hash chain, run retention."""


@audit.command("verify")
@click.option("--anchor", help="SEQ:HASH kept outside the database by an earlier verify.")
def audit_verify(anchor: str | None) -> None:
    """Check every audit row against the hash chain; exit 1 and say where if anything is off."""
    from app.services.audit import verify

    from .extensions import db as database

    expected = None
    if anchor:
        seq, _, hash_ = anchor.partition(":")
        expected = (int(seq), hash_)
    with _app().app_context():
        result = verify(database.session, anchor=expected)
    for finding in result.findings:
        click.echo(f"BROKEN {finding}", err=True)
    click.echo(f"checked {result.checked} row(s); head {result.last_seq}:{result.last_hash}")
    if not result.ok:
        click.echo(f"audit log NOT intact: {len(result.findings)} problem(s)", err=True)
        sys.exit(1)
    click.echo("audit log intact")


@audit.command("retention")
@click.option("--older-than", default=None, help="ISO 8601 duration (default: ZORGPAD_RETENTION).")
@click.option("--dry-run", is_flag=True, help="List the cases; change nothing.")
def audit_retention(older_than: str | None, dry_run: bool) -> None:
    """Pseudonymise closed cases older than the retention period (audit rows are kept)."""
    from app.services.audit.retention import run_retention
    from app.services.errors import InvalidInput

    app = _app()
    with app.app_context():
        try:
            report = run_retention(older_than or app.config["ZORGPAD_RETENTION"], dry_run=dry_run)
        except InvalidInput as exc:
            click.echo(f"refused: {exc.detail}", err=True)
            sys.exit(2)
    verb = "would pseudonymise" if dry_run else "pseudonymised"
    click.echo(f"{verb} {len(report.cases)} case(s) closed before {report.cutoff.isoformat()}")
    for case_id in report.cases:
        click.echo(f"  {case_id}")
    if not dry_run:
        click.echo(f"erased details of {report.audit_rows_redacted} audit row(s); the chain still verifies")


# -- running --------------------------------------------------------------------------------------
@main.command()
@click.option("--interval", type=float, default=None, help="Seconds between idle rounds.")
@click.option("--once", is_flag=True, help="Run one round and exit.")
def worker(interval, once) -> None:
    """Fire due timers and deliver queued messages until stopped (SIGTERM finishes the step)."""
    from app.services.instances.worker import run_forever, run_once

    app = _app()
    if once:
        click.echo(json.dumps({"stepped": run_once(app)}))
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(app, stop, interval)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@click.option("--embedded-worker", is_flag=True, help="Also run the timer/message worker in-process.")
def serve(host, port, workers, threads, embedded_worker) -> None:
    """Serve the app with gunicorn."""
    import os

    from .server import run_gunicorn

    if embedded_worker:
        os.environ["ZORGPAD_EMBEDDED_WORKER"] = "1"
    run_gunicorn(host=host, port=port, workers=workers, threads=threads)


if __name__ == "__main__":  # pragma: no cover
    main()
