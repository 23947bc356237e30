"""Demo organisations, groups (lanes) and users for `make run` — documented in the README."""

from __future__ import annotations

from sqlalchemy import select

from app.models import User
from app.services.access import identity
from app.services.unit_of_work import unit_of_work

DEMO_PASSWORD = "zorgpad-demo"  # noqa: S105 - a documented demo login, not a secret

ORGANISATIONS = {
    "wijkteam-noord": ("Wijkteam Noord", "sociaal"),
    "ggz-regio": ("GGZ Regio", "medisch"),
    "gemeente": ("Gemeente", "sociaal"),
    "ggd": ("GGD Regio", "medisch"),
    "verslavingszorg": ("Verslavingszorg Regio", "medisch"),
    "begeleiding": ("Beschermd Wonen & Begeleiding", "sociaal"),
    "zorgverzekeraar": ("Zorgverzekeraar", None),
    "netwerk": ("Netwerk Wijk & GGZ", None),
}

GROUPS = {
    "reporter": ("Melder (huisarts, politie, woningcorporatie)", "netwerk"),
    "wijkteam-triage": ("Wijkteam — vraagverkenning", "wijkteam-noord"),
    "wijkteam-regie": ("Wijkteam — regievoering", "wijkteam-noord"),
    "peer-expert": ("Ervaringsdeskundigen", "wijkteam-noord"),
    "ggd-meldpunt": ("GGD Meldpunt Zorg en Overlast", "ggd"),
    "ggz-fact": ("GGZ FACT-team", "ggz-regio"),
    "ggz-crisis": ("GGZ Crisisdienst", "ggz-regio"),
    "verslavingszorg": ("Verslavingszorg", "verslavingszorg"),
    "begeleiding": ("Begeleiding / beschermd wonen", "begeleiding"),
    "gemeente-wmo": ("Gemeente — Wmo", "gemeente"),
    "gemeente-wvggz": ("Gemeente — Wvggz", "gemeente"),
    "verzekeraar": ("Zorgverzekeraar — wachtlijstbemiddeling", "zorgverzekeraar"),
}

# username: (display name, organisation, roles, groups)
USERS = {
    "anna": ("Anna de Vries", "wijkteam-noord", ["professional"], ["wijkteam-triage", "reporter"]),
    "ruben": (
        "Ruben Bakker",
        "wijkteam-noord",
        ["professional"],
        ["wijkteam-regie", "wijkteam-triage"],
    ),
    "petra": ("Petra Jansen", "wijkteam-noord", ["professional"], ["peer-expert"]),
    "fatima": ("Fatima El Amrani", "ggz-regio", ["professional"], ["ggz-fact"]),
    "koen": ("Koen Visser", "ggz-regio", ["professional"], ["ggz-crisis"]),
    "greet": ("Greet Smit", "ggd", ["professional"], ["ggd-meldpunt"]),
    "bram": ("Bram de Boer", "verslavingszorg", ["professional"], ["verslavingszorg"]),
    "bea": ("Bea Mulder", "begeleiding", ["professional"], ["begeleiding"]),
    "wim": ("Wim Hendriks", "gemeente", ["professional"], ["gemeente-wmo", "gemeente-wvggz"]),
    "vera": ("Vera Dekker", "zorgverzekeraar", ["professional"], ["verzekeraar"]),
    "olaf": ("Olaf Peters", "netwerk", ["process-owner"], []),
    "nina": ("Nina de Wit", "netwerk", ["network-coordinator"], []),
    "audrey": ("Audrey Kok", "netwerk", ["auditor"], []),
    "admin": ("Beheerder", "netwerk", ["admin"], []),
    # An outside system (a GP information system) that reports in through POST /api/v1/messages.
    "huisartsensysteem": ("Huisartsinformatiesysteem (koppeling)", "netwerk", ["system"], []),
}


def seed() -> int:
    """Create what is missing; returns the number of users created."""
    with unit_of_work() as session:
        orgs = {
            key: identity.ensure_organisation(session, key, name, domain)
            for key, (name, domain) in ORGANISATIONS.items()
        }
        for key, (name, org_key) in GROUPS.items():
            identity.ensure_group(session, key, orgs[org_key], name, sees_case_data=key != "verzekeraar")
        existing = set(session.execute(select(User.username)).scalars())
    created = 0
    for username, (display, org, roles, groups) in USERS.items():
        if username in existing:
            continue
        identity.add_user(
            username, display_name=display, organisation=org, roles=roles, password=DEMO_PASSWORD
        )
        if groups:
            identity.grant(username, groups=groups)
        created += 1
    return created
