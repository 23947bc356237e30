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
    from app.services.access.actors import Actor

    return Actor(username=username, groups=frozenset(groups), roles=frozenset(roles))


def flagged_case_meeting(db, clock, case, flagged: bool, question: str) -> None:
    """A completed case meeting of `case` that did (or did not) flag it as a learning case, as
    the `leercasussen` data source reads it (a completed `ut_casusoverleg` task)."""
    import uuid

    from app.models import HumanTask
    from app.services.access.actors import SYSTEM
    from app.services.instances import lifecycle as instances

    instance = instances.start_instance("triage", actor=SYSTEM, case_id=str(case.id))
    db.session.add(
        HumanTask(
            id=uuid.uuid4(),
            instance_id=instance.id,
            case_id=case.id,
            process_key="triage",
            element_id="ut_casusoverleg",
            name="Casusoverleg",
            candidate_groups=["wijkteam-regie"],
            candidate_users=[],
            status="completed",
            priority=50,
            created_at=clock.now,
            completed_at=clock.now,
            completed_by="ruben",
            data={
                "leercasus": flagged,
                "leervraag": question,
                "route": "opschalen",
                "deelnemers": ["wijkteam"],
                "afspraken": "x",
            },
        )
    )
    db.session.commit()


_OWNER_ENGINES: dict = {}


def owner_engine(database):
    """An engine on the test database as the tables' owner (set-up, and attacks a superuser
    could make); the app's own engine runs as the runtime role on PostgreSQL."""
    from flask import current_app
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    url = current_app.config.get("ZORGPAD_MIGRATION_DATABASE_URL")
    if not url or url == current_app.config["SQLALCHEMY_DATABASE_URI"]:
        return database.engine
    if url not in _OWNER_ENGINES:
        _OWNER_ENGINES[url] = create_engine(url, poolclass=NullPool)
    return _OWNER_ENGINES[url]
