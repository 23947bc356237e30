"""The care network of the single sign-on tests: three providers, two claim shapes.

- `ggz-regio`: Keycloak shape (full group paths, client roles, a realm role `admin`, acr/amr),
  just-in-time provisioning, MFA required (acr 2 or amr otp);
- `wijkteam-entra`: Entra ID shape (pairwise `sub`, `oid`, group object ids, app roles, amr
  mfa), pre-registered users only, MFA required (amr mfa);
- `zorgverzekeraar`: Keycloak shape for the insurer, whose groups never see case data.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tests.identity.oidc.harness import (
    API,
    ENTRA_CLAIMS,
    ENTRA_GROUP_REGIE,
    ENTRA_GROUP_TRIAGE,
    KEYCLOAK_CLAIMS,
    OpenIdProvider,
    clients_for,
    entra_account,
    keycloak_account,
    new_key,
)

ANNA_OID = "0b5f6a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
RUBEN_OID = "1c6a7b2f-3d4e-4f60-9bac-1d2e3f4a5b6c"
NOBODY_OID = "2d7b8c3a-4e5f-4071-8cbd-2e3f4a5b6c7d"


@dataclass
class Network:
    ggz: OpenIdProvider
    entra: OpenIdProvider
    insurer: OpenIdProvider

    @property
    def all(self):
        return (self.ggz, self.entra, self.insurer)

    def start(self):
        for provider in self.all:
            provider.start()
        return self

    def stop(self):
        for provider in self.all:
            provider.stop()


def build(workdir, bases: list[str]) -> Network:
    ggz = OpenIdProvider(
        "ggz-regio",
        workdir,
        accounts={
            "kc-fatima": keycloak_account(
                "fatima.kc", "Fatima (GGZ Keycloak)", ["/ggz-regio/fact", "/ggz-regio/alle"]
            ),
            "kc-koen": keycloak_account("koen.kc", "Koen (zonder MFA)", ["/ggz-regio/crisis"], mfa=False),
            # A GGZ colleague whose token also claims the insurer's group: refused whole.
            "kc-mallory": keycloak_account(
                "mallory.kc", "Mallory", ["/ggz-regio/fact", "/zorgverzekeraar/wachtlijst"]
            ),
        },
        claims=KEYCLOAK_CLAIMS,
        clients=clients_for("ggz-regio", bases),
        keys=[new_key("ggz-1")],
    )
    entra = OpenIdProvider(
        "wijkteam-entra",
        workdir,
        accounts={
            "entra-anna": entra_account(
                "anna@wijkteam-noord.nl", "Anna (Entra ID)", ANNA_OID, [ENTRA_GROUP_TRIAGE]
            ),
            "entra-ruben": entra_account(
                "ruben@wijkteam-noord.nl", "Ruben", RUBEN_OID, [ENTRA_GROUP_REGIE], mfa=False
            ),
            "entra-nobody": entra_account("nieuw@wijkteam-noord.nl", "Niet geregistreerd", NOBODY_OID, []),
        },
        claims=ENTRA_CLAIMS,
        clients=clients_for("wijkteam-entra", bases, pairwise=True),
        keys=[new_key("entra-1")],
    )
    insurer = OpenIdProvider(
        "zorgverzekeraar",
        workdir,
        accounts={
            "kc-vera": keycloak_account("vera.kc", "Vera (verzekeraar)", ["/zorgverzekeraar/wachtlijst"]),
            # The insurer's directory puts her in the GGZ FACT group: would lift "no case data".
            "kc-vera-fact": keycloak_account(
                "vera2.kc", "Vera (met FACT-groep)", ["/zorgverzekeraar/wachtlijst", "/ggz-regio/fact"]
            ),
        },
        claims=KEYCLOAK_CLAIMS,
        clients=clients_for("zorgverzekeraar", bases),
        keys=[new_key("zv-1")],
    )
    return Network(ggz, entra, insurer)


def federation_document(network: Network) -> dict:
    """Zorgpad's provider file for the network (as docs/identity.md describes it)."""
    keycloak = {
        "subject_claim": "sub",
        "username_claim": "preferred_username",
        "groups_claim": "groups",
        "roles_claim": "resource_access.zorgpad.roles",
        "roles": {"zorgpad-professional": "professional", "zorgpad-auditor": "auditor"},
        "mfa": {"acr": ["2"], "amr": ["otp", "mfa"]},
        "clock_skew": 30,
    }
    return {
        "providers": [
            {
                "key": "ggz-regio",
                "name": "GGZ Regio",
                "organisation": "ggz-regio",
                "issuer": network.ggz.issuer,
                "client_id": "zorgpad",
                "client_secret": network.ggz.client("zorgpad")["client_secret"],
                "api_audience": API,
                "scopes": ["openid", "profile", "email", "groups"],
                "provisioning": "just-in-time",
                **keycloak,
            },
            {
                "key": "wijkteam-entra",
                "name": "Wijkteam Noord (Entra ID)",
                "organisation": "wijkteam-noord",
                "issuer": network.entra.issuer,
                "client_id": "zorgpad",
                "client_secret": network.entra.client("zorgpad")["client_secret"],
                "api_audience": API,
                "scopes": ["openid", "profile", "email", "groups"],
                "subject_claim": "oid",
                "groups_claim": "groups",
                "roles_claim": "roles",
                "roles": {"Zorgpad.Professional": "professional"},
                "provisioning": "pre-registered",
                "mfa": {"amr": ["mfa"]},
            },
            {
                "key": "zorgverzekeraar",
                "name": "Zorgverzekeraar",
                "organisation": "zorgverzekeraar",
                "issuer": network.insurer.issuer,
                "client_id": "zorgpad",
                "client_secret": network.insurer.client("zorgpad")["client_secret"],
                "api_audience": API,
                "scopes": ["openid", "profile", "email", "groups"],
                "provisioning": "just-in-time",
                **keycloak,
            },
        ],
        "groups": [
            {
                "provider": "ggz-regio",
                "claim": "/ggz-regio/fact",
                "organisation": "ggz-regio",
                "group": "ggz-fact",
            },
            {
                "provider": "ggz-regio",
                "claim": "/ggz-regio/crisis",
                "organisation": "ggz-regio",
                "group": "ggz-crisis",
            },
            {
                "provider": "wijkteam-entra",
                "claim": ENTRA_GROUP_TRIAGE,
                "organisation": "wijkteam-noord",
                "group": "wijkteam-triage",
            },
            {
                "provider": "wijkteam-entra",
                "claim": ENTRA_GROUP_REGIE,
                "organisation": "wijkteam-noord",
                "group": "wijkteam-regie",
            },
            {
                "provider": "zorgverzekeraar",
                "claim": "/zorgverzekeraar/wachtlijst",
                "organisation": "zorgverzekeraar",
                "group": "verzekeraar",
            },
        ],
    }


def write_federation(network: Network, path) -> str:
    path.write_text(yaml.safe_dump(federation_document(network)))
    return str(path)
