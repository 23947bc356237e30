"""A real Zorgpad served over HTTP for the browser tests and the screenshot script.

SQLite only: the browser tests check pages, not databases (the page tests above them run on
both), and a second database would double their runtime.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def make_demo_app(database_path: Path):
    """An app on a fresh SQLite file with the shipped pathways deployed and the demo users."""
    from app import create_app
    from app.models.schema import upgrade
    from app.services.access import demo
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy, read_directory

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}",
            "TESTING": True,
            "SECRET_KEY": "browser-test",
        }
    )
    with app.app_context():
        upgrade()
        deploy(read_directory(ROOT / "processes", ROOT / "forms"), actor=SYSTEM, name="demo", source="cli")
        demo.seed()
    return app


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve the app on a free port of 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def start_report(app, name: str, username: str = "anna"):
    """Start triage for a new resident, as a report would; returns (instance id, case id)."""
    from app.services.access.identity import load_actor
    from app.services.instances.lifecycle import start_instance

    with app.app_context():
        instance = start_instance(
            "triage",
            actor=load_actor(username),
            subject={"displayName": name},
            variables={"vraag": "Ik red het niet meer thuis"},
        )
        return instance.id, instance.case_id


def open_task_of(app, instance_id):
    from app.extensions import db
    from app.models import HumanTask

    with app.app_context():
        return db.session.query(HumanTask).filter_by(instance_id=instance_id, status="open").one().id


def log_in(page, base_url: str, username: str, password: str = "zorgpad-demo") -> None:  # noqa: S107
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/inbox")
