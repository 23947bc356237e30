"""Helpers for the web tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_report(username="anna", name="Mw. Jansen"):
    """Start triage as the service would after a report: returns the instance."""
    from app.services.access.identity import load_actor
    from app.services.instances.lifecycle import start_instance

    actor = load_actor(username)
    return start_instance(
        "triage",
        actor=actor,
        subject={"displayName": name},
        variables={"vraag": "Ik red het niet meer thuis"},
    )
