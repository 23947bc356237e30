"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

# The 13 ZRM life domains by code, as the forms use them (names only: the matrix texts are licensed).
ZRM_DOMAINS = (
    "financien", "werk_opleiding", "tijdsbesteding", "huiselijke_relaties", "huisvesting",
    "geestelijke_gezondheid", "lichamelijke_gezondheid", "middelengebruik", "adl_basis",
    "adl_instrumenteel", "sociaal_netwerk", "maatschappelijke_participatie", "justitie",
)


def fixture_files(*names: str) -> dict[str, bytes]:
    return {name: (FIXTURES / name).read_bytes() for name in names}


def make_actor(username="anna", groups=("wijkteam-triage",), roles=("professional",)):
    from app.services.actors import Actor

    return Actor(username=username, groups=frozenset(groups), roles=frozenset(roles))
