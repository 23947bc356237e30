"""Identities: the `zorgpad users` commands and the web login seam (single sign-on: tests/identity)."""

import pytest
from click.testing import CliRunner

from app import cli
from app.services.access import identity
from app.services.access.actors import EXTERNAL_SYSTEM


@pytest.fixture
def run(app, db, monkeypatch):
    monkeypatch.setattr(cli, "_app", lambda: app)

    def invoke(*args):
        result = CliRunner().invoke(cli.main, list(args), catch_exceptions=False)
        return result

    return invoke


def test_users_add_grant_token_revoke(run, app, db):
    assert (
        run("users", "add", "sanne", "--org", "wijkteam-noord", "--group", "wijkteam-triage").exit_code == 0
    )
    assert run("users", "grant", "sanne", "--group", "wijkteam-regie", "--role", "auditor").exit_code == 0
    result = run("users", "token", "sanne", "--days", "7")
    token = result.stdout
    assert result.exit_code == 0 and token.endswith("\n") and token.count("\n") == 1
    token = token.strip()
    assert token.startswith("zp_") and " " not in token  # the token alone: `TOKEN=$(zorgpad users token x)`
    actor = identity.authenticate_token(token)
    assert actor.groups == {"wijkteam-triage", "wijkteam-regie"}
    assert actor.roles == {"professional", "auditor"} and actor.organisation == "wijkteam-noord"
    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "revoked 1 token(s)" in run("users", "revoke", "sanne").stdout
    assert identity.authenticate_token(token) is None


def test_token_for_unknown_user_fails(run):
    from app.services.errors import NotFound

    with pytest.raises(NotFound):
        run("users", "token", "niemand")


def test_unknown_role_is_refused(app, db):
    from app.services.errors import InvalidInput

    with pytest.raises(InvalidInput):
        identity.add_user("x", roles=["superuser"])


def test_web_login_seam(app, db):
    from app.services.access import sessions

    identity.add_user("sanne", password="geheim-wachtwoord", roles=["professional"])
    identity.grant("sanne", groups=["wijkteam-triage"])
    assert identity.login("sanne", "fout") is None
    assert identity.login("niemand", "geheim-wachtwoord") is None
    user_id, actor = identity.login("sanne", "geheim-wachtwoord", address="10.0.0.1")
    assert actor.username == "sanne" and actor.address == "10.0.0.1"
    secret = sessions.begin(user_id, address="10.0.0.1")
    again = sessions.resume(secret, purpose="care")
    assert again.groups == {"wijkteam-triage"} and again.purpose == "care"
    assert sessions.resume("geen-sessie") is None and sessions.resume(None) is None
    assert sessions.resume(str(user_id)) is None  # a user id is no session
    user = identity.find_user(db.session, "sanne")
    user.active = False
    db.session.commit()
    assert sessions.resume(secret) is None


def test_blind_groups_come_from_the_group_rows(world):
    vera = identity.authenticate_token(identity.issue_token("vera"))
    assert vera.blind_groups == {"verzekeraar"} and vera.case_data_groups == frozenset()
    anna = identity.authenticate_token(identity.issue_token("anna"))
    assert anna.blind_groups == frozenset() and anna.case_data_groups == anna.groups


def test_stored_system_role_is_an_external_system_actor(app, db):
    identity.add_user("ggz-systeem", roles=["system"])
    actor = identity.authenticate_token(identity.issue_token("ggz-systeem"))
    assert actor.roles == {EXTERNAL_SYSTEM} and not actor.has_role("system")
