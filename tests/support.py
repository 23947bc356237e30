"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_files(*names: str) -> dict[str, bytes]:
    return {name: (FIXTURES / name).read_bytes() for name in names}


def make_actor(username="anna", groups=("wijkteam-triage",), roles=("professional",)):
    from app.services.actors import Actor

    return Actor(username=username, groups=frozenset(groups), roles=frozenset(roles))
