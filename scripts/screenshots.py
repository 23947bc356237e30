"""Regenerate docs/screenshots/*.png: the main pages at desktop and phone size.

Runs the real app on a throw-away SQLite database with the demo users and pathways, walks one
resident to the home-visit step (vraagverkenning: ZRM, Positive Health, network), and
photographs login, inbox, task, case and start pages with Debian's Chromium.

    .venv/bin/python scripts/screenshots.py      (or: make screenshots)
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.browser import chromium, log_in, make_demo_app, serving, start_report  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}


def _walk_to_home_visit(app, instance_id):
    """Complete the report and the first contact, so the home visit's big form is open."""
    from app.extensions import db
    from app.models import HumanTask
    from app.services.access.identity import load_actor
    from app.services.tasks import actions as tasks

    steps = [
        {
            "bewoner": {"naam": "Mw. Jansen", "adres": "Dorpsstraat 1"},
            "vraag_eigen_woorden": "Ik red het niet meer thuis",
            "melder_rol": "huisarts",
            "toestemming_bewoner": "ja",
            "acute_signalen": [],
        },
        {"contact_datum": date.today().isoformat(), "contactwijze": "telefonisch"},
    ]
    with app.app_context():
        actor = load_actor("anna")
        for data in steps:
            task = db.session.query(HumanTask).filter_by(instance_id=instance_id, status="open").one()
            tasks.claim(task.id, actor=actor)
            tasks.complete(task.id, data, actor=actor)
        task = db.session.query(HumanTask).filter_by(instance_id=instance_id, status="open").one()
        tasks.claim(task.id, actor=actor)
        return task.id


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_demo_app(Path(tmp) / "zorgpad.db")
        instance_id, case_id = start_report(app, "Mw. Jansen")
        task_id = _walk_to_home_visit(app, instance_id)
        start_report(app, "Dhr. De Wit")
        start_report(app, "Mw. El Idrissi")
        pages = {
            "inbox": "/inbox?list=all",
            "task": f"/tasks/{task_id}",
            "case": f"/cases/{case_id}",
            "start": "/start",
        }
        with serving(app) as base_url, chromium() as browser:
            for size, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport, is_mobile=size == "phone")
                page = context.new_page()
                page.goto(f"{base_url}/login")
                page.screenshot(path=OUT / f"login-{size}.png", full_page=True)
                log_in(page, base_url, "anna")
                for name, path in pages.items():
                    page.goto(base_url + path)
                    if name == "case":
                        page.wait_for_selector(".diagram[data-rendered]")
                    # A full-page shot would freeze the sticky action bar mid-form; show it in place.
                    page.add_style_tag(content=".actions.sticky { position: static; }")
                    page.screenshot(path=OUT / f"{name}-{size}.png", full_page=True)
                context.close()
                # The auditor's view of the same pathway: timeline and the path taken.
                context = browser.new_context(viewport=viewport, is_mobile=size == "phone")
                page = context.new_page()
                log_in(page, base_url, "audrey")
                page.goto(f"{base_url}/audit/instances/{instance_id}")
                page.wait_for_selector(".diagram[data-rendered]")
                page.screenshot(path=OUT / f"audit-instance-{size}.png", full_page=True)
                context.close()
    print(f"wrote {len(list(OUT.glob('*.png')))} screenshots to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
