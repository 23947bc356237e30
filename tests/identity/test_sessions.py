"""Web sessions are database rows: logout, password change, deactivation and revocation end
them at once; idle and absolute time-outs are configurable (issue 18, item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from app import cli
from app.models import AuditEvent, WebSession
from app.services.access import identity, sessions
from app.web.security import TIMEOUTS
from tests.web.conftest import csrf_token

PASSWORD = "zorgpad-demo"  # noqa: S105 - the documented demo login


@pytest.fixture
def log_in(app, people):
    def _log_in(username="anna", password=PASSWORD):
        client = app.test_client()
        token = csrf_token(client.get("/login").text)
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.text
        return client

    return _log_in


def _copy(client, app):
    """A second browser holding the same cookie (copied before logout)."""
    other = app.test_client()
    with client.session_transaction() as cookie:
        secret = cookie["sid"]
    with other.session_transaction() as copied:
        copied["sid"] = secret
    return other


def _in(client) -> bool:
    response = client.get("/inbox")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_logout_ends_the_session_for_a_copied_cookie_too(app, log_in, db):
    client = log_in()
    copy = _copy(client, app)
    assert _in(copy)
    page = client.get("/inbox")
    assert client.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 302
    assert not _in(copy) and not _in(client)
    [row] = db.session.query(WebSession).all()
    assert row.end_reason == "logout"


def test_idle_time_out_and_absolute_time_out(app, log_in, people, monkeypatch):
    monkeypatch.setitem(
        app.extensions, TIMEOUTS, sessions.Timeouts(idle=timedelta(minutes=15), absolute=timedelta(hours=2))
    )
    client = log_in()
    people.advance(minutes=16)
    assert not _in(client)  # idle too long
    client = log_in()
    for _ in range(8):  # busy all along: every 14 minutes a page (1 h 52 min)
        people.advance(minutes=14)
        assert _in(client)
    people.advance(minutes=14)  # 2 h 6 min after the login
    assert not _in(client)  # however busy: the absolute limit


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app, log_in, db):
    here, elsewhere = log_in(), log_in()
    page = here.get("/password")
    assert page.status_code == 200
    token = csrf_token(page.text)
    short = here.post(
        "/password", data={"current": PASSWORD, "new": "kort", "repeat": "kort", "csrf_token": token}
    )
    assert short.status_code == 422 and _in(elsewhere)
    wrong = here.post(
        "/password",
        data={
            "current": "fout",
            "new": "een-lang-nieuw-wachtwoord",
            "repeat": "een-lang-nieuw-wachtwoord",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422 and _in(elsewhere)
    done = here.post(
        "/password",
        data={
            "current": PASSWORD,
            "new": "een-lang-nieuw-wachtwoord",
            "repeat": "een-lang-nieuw-wachtwoord",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    assert _in(here) and not _in(elsewhere)
    assert identity.login("anna", "een-lang-nieuw-wachtwoord") is not None
    assert identity.login("anna", PASSWORD) is None
    [row] = db.session.query(AuditEvent).filter_by(event_type="user.password-changed").all()
    assert row.user == "anna" and row.object_id == "anna"


@pytest.fixture
def run(app, monkeypatch):
    monkeypatch.setattr(cli, "_app", lambda: app)

    def invoke(*args, input=None):
        return CliRunner().invoke(cli.main, list(args), input=input, catch_exceptions=False)

    return invoke


def _events(db, event_type):
    db.session.expire_all()
    return db.session.query(AuditEvent).filter_by(event_type=event_type).all()


def test_cli_deactivate_ends_sessions_and_tokens_and_is_audited(app, log_in, run, db):
    client = log_in("anna")
    token = identity.issue_token("anna")
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert api.get("/api/v1/tasks").status_code == 200
    result = run("users", "deactivate", "anna")
    assert result.exit_code == 0 and "ended 1 session(s), revoked 1 token(s)" in result.stdout
    assert not _in(client)
    assert api.get("/api/v1/tasks").status_code == 401
    anna = app.test_client()
    token_page = csrf_token(anna.get("/login").text)
    refused = anna.post("/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token_page})
    assert refused.status_code == 401
    [event] = _events(db, "user.deactivated")
    assert event.object_id == "anna" and event.user == "system"
    assert run("users", "activate", "anna").exit_code == 0
    assert _in(log_in("anna"))
    assert api.get("/api/v1/tasks").status_code == 401  # revoked tokens stay revoked
    assert _events(db, "user.activated")


def test_cli_revoke_group_takes_effect_at_the_next_request(app, log_in, run, db):
    client = log_in("ruben")
    with client.session_transaction() as cookie:
        secret = cookie["sid"]
    assert sessions.resume(secret).groups == {"wijkteam-regie", "wijkteam-triage"}
    result = run("users", "revoke-group", "ruben", "--group", "wijkteam-regie")
    assert result.exit_code == 0
    assert _in(client)  # still logged in, with one group less (re-read on every request)
    assert sessions.resume(secret).groups == {"wijkteam-triage"}
    assert identity.load_actor("ruben").groups == {"wijkteam-triage"}
    [event] = _events(db, "user.group-revoked")
    assert event.details == {"group": "wijkteam-regie"}
    from app.services.errors import NotFound

    with pytest.raises(NotFound):
        run("users", "revoke-group", "ruben", "--group", "wijkteam-regie")


def test_cli_revoke_and_password_end_sessions(app, log_in, run, db):
    first, second = log_in("petra"), log_in("petra")
    assert "ended 2 session(s)" in run("users", "revoke", "petra").stdout
    assert not _in(first) and not _in(second)
    third = log_in("petra")
    result = run("users", "password", "petra", input="nog-een-lang-wachtwoord\nnog-een-lang-wachtwoord\n")
    assert result.exit_code == 0 and "ended 1 session(s)" in result.stdout
    assert not _in(third)
    assert identity.login("petra", "nog-een-lang-wachtwoord") is not None
    assert _events(db, "user.credentials-revoked") and _events(db, "user.password-set")


def test_api_user_lifecycle_for_admins_only(app, log_in, db):
    from tests.api.conftest import assert_problem

    def api(username):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {identity.issue_token(username)}"
        return client

    client = log_in("bram")
    assert_problem(api("anna").post("/api/v1/users/bram/deactivate"), 403)
    assert_problem(api("admin").post("/api/v1/users/niemand/deactivate"), 404)
    assert_problem(api("admin").post("/api/v1/users/admin/deactivate"), 422)  # not oneself
    assert_problem(api("admin").delete("/api/v1/users/bram/groups/ggz-fact"), 404)  # not a member
    removed = api("admin").delete("/api/v1/users/bram/groups/verslavingszorg")
    assert removed.status_code == 200 and removed.json == {
        "username": "bram",
        "group": "verslavingszorg",
        "member": False,
    }
    done = api("admin").post("/api/v1/users/bram/deactivate")
    assert done.status_code == 200 and done.json["sessionsEnded"] == 1 and done.json["active"] is False
    assert not _in(client)
    admin_events = [e for e in _events(db, "user.deactivated") if e.object_id == "bram"]
    assert admin_events and admin_events[0].user == "admin"


def test_admin_page_and_its_refusals(app, log_in):
    admin = log_in("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and 'id="user-anna"' in page.text
    assert log_in("anna").get("/admin/users").status_code == 403
    token = csrf_token(page.text)
    anna = log_in("anna")
    response = admin.post("/admin/users/anna/revoke-group", data={"group": "reporter", "csrf_token": token})
    assert response.status_code == 302
    assert identity.load_actor("anna").groups == {"wijkteam-triage"} and _in(anna)
    other = log_in("ruben")
    refused = other.post(
        "/admin/users/anna/deactivate", data={"csrf_token": csrf_token(other.get("/inbox").text)}
    )
    assert refused.status_code == 403 and _in(anna)
