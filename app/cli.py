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
    from .models.schema import upgrade

    with _app().app_context():
        upgrade(revision)
    click.echo(f"database at {revision}")


# -- deployments --------------------------------------------------------------------------------
@main.command()
@click.argument("directories", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; activate nothing.")
@click.option("--name", default=None, help="Deployment name (default: the folder names).")
def deploy(directories, dry_run: bool, name: str | None) -> None:
    """Deploy the .bpmn, .dmn and form (.json) files of DIRECTORIES (unchanged: nothing new)."""
    from .services.actors import SYSTEM
    from .services.deployments import deploy as deploy_files
    from .services.deployments import read_directory
    from .services.errors import DeploymentRejected

    with _app().app_context():
        files = read_directory(*directories)
        try:
            result = deploy_files(
                files,
                actor=SYSTEM,
                name=name or "+".join(directories),
                source="cli",
                dry_run=dry_run,
            )
        except DeploymentRejected as exc:
            click.echo(f"rejected: {exc.detail}", err=True)
            for finding in exc.findings:
                where = ":".join(str(p) for p in (finding["file"], finding["line"]) if p)
                element = f" [{finding['elementId']}]" if finding["elementId"] else ""
                click.echo(f"  {where}{element}: {finding['message']}", err=True)
            sys.exit(1)
    for item in result.created:
        click.echo(f"{'would create' if dry_run else 'created'} {item['key']} v{item['version']}")
    for item in result.unchanged:
        click.echo(f"unchanged {item['key']} v{item['version']}")


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
    from .services import identity

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
    from .services import identity

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

    from .services import identity

    with _app().app_context():
        token = identity.issue_token(username, label=label, lifetime=timedelta(days=days))
    click.echo(token)


@users.command("revoke")
@click.argument("username")
def users_revoke(username):
    """Revoke every token of USERNAME."""
    from .services import identity

    with _app().app_context():
        count = identity.revoke_tokens(username)
    click.echo(f"revoked {count} token(s)")


@main.command("seed-demo")
def seed_demo() -> None:
    """Create the documented demo organisations, groups and users (idempotent)."""
    from .services.demo import seed

    with _app().app_context():
        created = seed()
    click.echo(f"demo users ready ({created} new)")


# -- running --------------------------------------------------------------------------------------
@main.command()
@click.option("--interval", type=float, default=None, help="Seconds between idle rounds.")
@click.option("--once", is_flag=True, help="Run one round and exit.")
def worker(interval, once) -> None:
    """Fire due timers and deliver queued messages until stopped (SIGTERM finishes the step)."""
    from .services.worker import run_forever, run_once

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
