"""CSRF, login rate limiting, security headers, cookies, and no case data in URLs."""

from __future__ import annotations

import re
import uuid

from tests.web.conftest import csrf_token
from tests.web.support import start_report


def test_a_post_without_the_csrf_token_is_rejected(care, login):
    client = login("anna")
    instance = start_report()
    from app.models import HumanTask

    task = HumanTask.query.filter_by(instance_id=instance.id).one()
    response = client.post(f"/tasks/{task.id}/claim", data={})
    assert response.status_code == 400
    response = client.post(f"/tasks/{task.id}/claim", data={"csrf_token": "forged"})
    assert response.status_code == 400
    from app.extensions import db

    assert db.session.get(HumanTask, task.id).assignee is None


def test_login_without_the_csrf_token_is_rejected(care, client):
    response = client.post("/login", data={"username": "anna", "password": "zorgpad-demo"})
    assert response.status_code == 400


def test_failed_logins_are_rate_limited_per_user_and_address(care, app):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    # A name of its own: the in-memory counters outlive this test's database.
    name = f"guess-{uuid.uuid4().hex[:8]}"
    statuses = [
        client.post("/login", data={"username": name, "password": "wrong", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # Another account from the same address is not locked out by it.
    ok = client.post("/login", data={"username": "anna", "password": "zorgpad-demo", "csrf_token": token})
    assert ok.status_code == 302


def test_pages_send_security_headers(care, client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(care, login, app):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "anna", "password": "zorgpad-demo", "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_cookie_holds_only_a_session_secret_and_ends_when_the_account_is_deactivated(care, login):
    from app.extensions import db
    from app.models import WebSession
    from app.services.access import identity

    client = login("anna")
    anna = identity.find_user(db.session, "anna")
    with client.session_transaction() as cookie:
        assert set(cookie) >= {"sid"} and "user_id" not in cookie and "user" not in cookie
        assert str(anna.id) not in str(dict(cookie)) and "anna" not in str(dict(cookie))
    [row] = db.session.query(WebSession).filter_by(user_id=anna.id).all()
    assert row.ended_at is None and row.token_hash != cookie["sid"]  # only its hash is stored
    assert client.get("/inbox").status_code == 200
    anna.active = False
    db.session.commit()
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with client.session_transaction() as cookie:
        assert "sid" not in cookie
    db.session.expire_all()
    assert db.session.get(WebSession, row.id).end_reason == "deactivated"


def test_cookies_are_secure_outside_debug_and_testing(tmp_path):
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_no_inline_script_in_any_page(care, login):
    client = login("anna")
    instance = start_report()
    from app.models import HumanTask

    task = HumanTask.query.filter_by(instance_id=instance.id).one()
    for path in ("/inbox", f"/tasks/{task.id}", f"/cases/{instance.case_id}", "/start"):
        html = client.get(path).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", html), path


def test_no_case_data_in_urls(care, login):
    """Links, redirects and form targets carry ids only, never the resident's name or pseudonym."""
    client = login("anna")
    page = client.get("/start")
    response = client.post(
        "/start",
        data={
            "csrf_token": csrf_token(page.text),
            "bewoner.naam": "Mw. Zeldzaam",
            "bewoner.telefoon": "0612345678",
            "vraag_eigen_woorden": "Hulp gevraagd",
            "melder_rol": "bewoner",
            "toestemming_bewoner": "ja",
        },
    )
    urls = [response.headers["Location"]]
    from app.models import Case

    case = Case.query.filter_by(display_name="Mw. Zeldzaam").one()
    for path in ("/inbox?list=all", urls[0], f"/cases/{case.id}"):
        html = client.get(path).text
        urls += re.findall(r'(?:href|action|src|data-diagram-url)="([^"]*)"', html)
    for url in urls:
        for secret in ("Zeldzaam", "0612345678", case.pseudonym, "Hulp"):
            assert secret not in url, url
