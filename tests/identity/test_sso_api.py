"""API bearer tokens from the network's OpenID providers (issue 20): a real provider on loopback
(npm oidc-provider) in the claim shapes of Keycloak and of Entra ID. Every forged or misdirected
token is a 401 problem+json; Zorgpad's own zp_ tokens keep working."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.models import AuditEvent, User
from app.services.access import federation, identity, oidc_tokens, providers
from tests.api.conftest import assert_problem
from tests.identity.oidc.harness import OTHER_API, claims_of, forge, hmac_signed, new_key, unsigned
from tests.identity.oidc.network import ANNA_OID, build, write_federation


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = build(tmp_path_factory.mktemp("oidc"), ["http://127.0.0.1:9"])
    net.start()
    yield net
    net.stop()


@pytest.fixture
def sso(app, people, network, tmp_path, monkeypatch):
    people.now = datetime.now(UTC)  # the provider signs with real time
    loaded = providers.load(write_federation(network, tmp_path / "providers.yaml"))
    monkeypatch.setitem(app.extensions, "zorgpad.federation", loaded)
    oidc_tokens.forget_keys()
    federation.link("anna", loaded.by_key("wijkteam-entra"), ANNA_OID)
    yield loaded
    oidc_tokens.forget_keys()


def call(app, token, path="/api/v1/tasks"):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def refused(app, token, reason):
    body = assert_problem(call(app, token), 401)
    assert reason in body["detail"], body["detail"]
    return body


def test_a_keycloak_token_provisions_the_user_in_the_providers_organisation(app, db, sso, network):
    token = network.ggz.access_token("kc-fatima")
    assert claims_of(token)["aud"] == "urn:zorgpad:api"
    assert call(app, token).status_code == 200
    user = db.session.query(User).filter_by(username="fatima.kc").one()
    assert (user.external_provider, user.external_subject) == ("ggz-regio", "kc-fatima")
    assert user.organisation.key == "ggz-regio"
    actor = identity.load_actor("fatima.kc")
    # Full path /ggz-regio/fact maps; /ggz-regio/alle is no Zorgpad group; realm role admin is ignored.
    assert actor.groups == {"ggz-fact"} and actor.roles == {"professional"} and not actor.has_role("admin")
    events = {e.event_type: e for e in db.session.query(AuditEvent).filter_by(object_id="fatima.kc")}
    assert {"user.created", "user.granted"} <= events.keys()
    assert events["user.created"].acting_for == "sso:ggz-regio"
    # A second call with the same token writes nothing new.
    count = db.session.query(AuditEvent).filter(AuditEvent.event_type.like("user.%")).count()
    assert call(app, token).status_code == 200
    assert db.session.query(AuditEvent).filter(AuditEvent.event_type.like("user.%")).count() == count


def test_an_entra_token_maps_by_oid_and_group_object_id(app, db, sso, network):
    identity.grant("anna", groups=["wijkteam-regie"])  # given here, not by her organisation's directory
    token = network.entra.access_token("entra-anna")
    claims = claims_of(token)
    assert claims["sub"] != ANNA_OID and claims["oid"] == ANNA_OID  # pairwise sub: oid identifies
    assert call(app, token).status_code == 200
    anna = identity.load_actor("anna")
    # The provider's organisation's groups follow the token; the network's `reporter` stays.
    assert anna.groups == {"wijkteam-triage", "reporter"}
    [revoked] = (
        db.session.query(AuditEvent).filter_by(event_type="user.group-revoked", object_id="anna").all()
    )
    assert revoked.details == {"group": "wijkteam-regie", "provider": "wijkteam-entra"}
    assert revoked.acting_for == "sso:wijkteam-entra"


def test_pre_registered_only_refuses_an_unknown_person(app, db, sso, network):
    refused(app, network.entra.access_token("entra-nobody"), "pre-registered users only")
    assert db.session.query(User).filter_by(username="nieuw@wijkteam-noord.nl").count() == 0


def test_zorgpads_own_tokens_keep_working(app, sso):
    assert call(app, identity.issue_token("huisartsensysteem"), "/api/v1/tasks").status_code in (200, 403)
    assert call(app, identity.issue_token("ruben")).status_code == 200


def test_an_expired_token_is_refused(app, sso, network, people):
    token = network.ggz.access_token("kc-fatima")
    assert call(app, token).status_code == 200
    people.now = datetime.fromtimestamp(claims_of(token)["exp"], UTC) + timedelta(seconds=31)  # past the skew
    refused(app, token, "expired")


def test_a_token_for_another_audience_is_refused(app, sso, network):
    token = network.ggz.access_token("kc-fatima", resource=OTHER_API)
    assert claims_of(token)["aud"] == OTHER_API
    refused(app, token, "not meant for this service")


def test_a_token_signed_by_another_key_is_refused(app, sso, network):
    real = claims_of(network.ggz.access_token("kc-fatima"))
    impostor = new_key(network.ggz.keys[0].kid)  # even under the key id the provider signs with
    refused(app, forge(real, impostor), "signature does not match")
    refused(app, forge(real, new_key("ggz-onbekend")), "does not publish")


def test_alg_none_and_hs256_with_the_public_key_are_refused(app, sso, network):
    real = claims_of(network.ggz.access_token("kc-fatima"))
    refused(app, unsigned(real), "'none' is not accepted")
    # The classic confusion: HMAC keyed with the provider's *public* key, which anyone can fetch.
    # (joserfc will not even build such a key, so the attacker's token is made by hand.)
    public = oidc_tokens._key_set(sso.by_key("ggz-regio")).keys[0].as_pem(private=False)
    refused(app, hmac_signed(real, public), "'HS256' is not accepted")


def test_a_token_without_mfa_is_refused(app, sso, network):
    token = network.ggz.access_token("kc-koen")
    assert claims_of(token)["acr"] == "1"
    refused(app, token, "multi-factor")
    refused(app, network.entra.access_token("entra-ruben"), "multi-factor")


def test_a_group_that_would_lift_the_insurers_restriction_is_refused(app, db, sso, network):
    refused(app, network.insurer.access_token("kc-vera-fact"), "grants groups of zorgverzekeraar only")
    refused(app, network.ggz.access_token("kc-mallory"), "grants groups of ggz-regio only")
    assert db.session.query(User).filter(User.username.in_(["vera2.kc", "mallory.kc"])).count() == 0
    # Without that claim the insurer's user gets in, in a group that never sees case data.
    assert call(app, network.insurer.access_token("kc-vera")).status_code == 200
    vera = identity.load_actor("vera.kc")
    assert vera.groups == {"verzekeraar"} and vera.case_data_groups == frozenset()


def test_a_token_of_an_unknown_issuer_is_refused(app, sso, network):
    stranger = claims_of(network.ggz.access_token("kc-fatima")) | {"iss": "https://idp.example.org"}
    refused(app, forge(stranger, new_key("x")), "no configured provider")
    refused(app, "een.geen.jwt", "not a signed JWT")


def test_key_rotation_needs_no_restart(app, sso, network):
    ggz = network.ggz
    before = ggz.access_token("kc-fatima")
    assert call(app, before).status_code == 200  # keys of ggz-1 now cached
    old = ggz.keys[0]
    ggz.restart(
        keys=[new_key(f"ggz-{uuid.uuid4().hex[:8]}"), old]
    )  # a new signing key; the old still published
    after = ggz.access_token("kc-fatima")
    assert after.split(".")[0] != before.split(".")[0]  # another kid in the header
    assert call(app, after).status_code == 200  # unknown kid: the keys are fetched again at once
    assert call(app, before).status_code == 200
    ggz.restart(keys=[ggz.keys[0]])  # the old key retired
    oidc_tokens.forget_keys()  # (the cache would age out after jwks_max_age)
    refused(app, before, "does not publish")
    assert call(app, after).status_code == 200
