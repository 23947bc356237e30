"""The provider file and the org-bound claim mapping, without a provider process (issue 20,
item 3): what the old `actor_from_claims` got wrong is refused here."""

from __future__ import annotations

import pytest

from app.services.access import federation, identity, providers
from app.services.access.providers import ProviderConfigError


def document(**changes):
    provider = {
        "key": "ggz-regio",
        "organisation": "ggz-regio",
        "issuer": "https://sso.ggz-regio.example/realms/zorg",
        "client_id": "zorgpad",
        "client_secret": "s",
        "roles_claim": "resource_access.zorgpad.roles",
        "roles": {"zorgpad-professional": "professional"},
    }
    provider.update(changes.pop("provider", {}))
    insurer = {
        "key": "zorgverzekeraar",
        "organisation": "zorgverzekeraar",
        "issuer": "https://sso.verzekeraar.example",
        "client_id": "zorgpad",
        "client_secret": "s",
    }
    return {
        "providers": [provider, insurer],
        "groups": changes.pop(
            "groups",
            [
                {
                    "provider": "ggz-regio",
                    "claim": "/ggz-regio/fact",
                    "organisation": "ggz-regio",
                    "group": "ggz-fact",
                },
                {
                    "provider": "zorgverzekeraar",
                    "claim": "/zv/wachtlijst",
                    "organisation": "zorgverzekeraar",
                    "group": "verzekeraar",
                },
            ],
        ),
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"provider": {"roles_claim": "realm_access.roles"}}, "never realm-wide roles"),
        ({"provider": {"algorithms": ["RS256", "none"]}}, "none refused"),
        ({"provider": {"algorithms": ["HS256"]}}, "HS256 refused"),
        ({"provider": {"subject_claim": "email"}}, "sub or oid"),
        ({"provider": {"roles": {"x": "system"}}}, "not a role a person can have"),
        ({"provider": {"issuer": "http://sso.example"}}, "https"),
        ({"provider": {"provisioning": "always"}}, "provisioning"),
        (
            {"provider": {"client_secret": None, "client_secret_env": "ZORGPAD_TEST_NO_SUCH_SECRET"}},
            "not set",
        ),
        ({"provider": {"issuer": "https://sso.verzekeraar.example"}}, "another provider has issuer"),
        (
            {
                "groups": [
                    {
                        "provider": "zorgverzekeraar",
                        "claim": "/x",
                        "organisation": "ggz-regio",
                        "group": "ggz-fact",
                    }
                ]
            },
            "speaks for zorgverzekeraar only",
        ),
    ],
)
def test_a_wrong_provider_file_is_refused_with_the_reason(changes, message):
    with pytest.raises(ProviderConfigError, match=message):
        providers.parse(document(**changes), environ={})


def test_the_file_is_read_from_yaml(tmp_path):
    path = tmp_path / "providers.yaml"
    path.write_text(
        "providers:\n  - {key: a, organisation: ggz-regio, issuer: 'https://a.example', client_id: z}\n"
    )
    assert providers.load(str(path)).by_key("a").organisation == "ggz-regio"
    path.write_text("providers: [")
    with pytest.raises(ProviderConfigError, match="not valid YAML"):
        providers.load(str(path))
    assert not providers.load(None)


def claims(**extra):
    return {
        "sub": "kc-1",
        "preferred_username": "sanne",
        "acr": "2",
        "groups": ["/ggz-regio/fact"],
        "resource_access": {"zorgpad": {"roles": ["zorgpad-professional"]}},
        "realm_access": {"roles": ["admin"]},
        **extra,
    }


def test_mapping_is_by_full_path_and_client_roles_only():
    fed = providers.parse(document(), environ={})
    ggz = fed.by_key("ggz-regio")
    mapped = federation.map_claims(fed, ggz, claims())
    assert mapped.groups == {"ggz-fact"} and mapped.roles == {"professional"}  # realm admin: ignored
    # The old mapping kept the last path segment: another organisation's "fact" became ggz-fact.
    other = federation.map_claims(fed, ggz, claims(groups=["/andere-organisatie/fact", "ggz-fact"]))
    assert other.groups == frozenset()
    with pytest.raises(federation.SignInRefused, match="grants groups of ggz-regio only"):
        federation.map_claims(fed, ggz, claims(groups=["/ggz-regio/fact", "/zv/wachtlijst"]))
    with pytest.raises(federation.SignInRefused, match="no sub claim"):
        federation.map_claims(fed, ggz, claims(sub=None))


def test_mfa_is_required_by_acr_or_amr():
    fed = providers.parse(document(provider={"mfa": {"acr": ["2"], "amr": ["otp"]}}), environ={})
    ggz = fed.by_key("ggz-regio")
    assert federation.map_claims(fed, ggz, claims(acr="2"))
    assert federation.map_claims(fed, ggz, claims(acr="1", amr=["pwd", "otp"]))
    with pytest.raises(federation.SignInRefused) as refused:
        federation.map_claims(fed, ggz, claims(acr="1", amr=["pwd"]))
    assert refused.value.mfa


def test_a_provider_signs_in_only_its_own_organisations_users(people, db):
    fed = providers.parse(document(), environ={})
    with pytest.raises(federation.SignInRefused, match="not of ggz-regio"):
        federation.link("anna", fed.by_key("ggz-regio"), "kc-anna")  # anna is of wijkteam-noord
    federation.link("fatima", fed.by_key("ggz-regio"), "kc-fatima")
    actor = federation.sign_in(fed, fed.by_key("ggz-regio"), claims(sub="kc-fatima"))
    assert actor.username == "fatima" and actor.groups == {"ggz-fact"}
    # The name of an existing account is never linked by name alone.
    with pytest.raises(federation.SignInRefused, match="taken by another account"):
        federation.sign_in(fed, fed.by_key("ggz-regio"), claims(sub="kc-someone", preferred_username="koen"))
    identity.find_user(db.session, "fatima").active = False
    db.session.commit()
    with pytest.raises(federation.SignInRefused, match="deactivated"):
        federation.sign_in(fed, fed.by_key("ggz-regio"), claims(sub="kc-fatima"))
