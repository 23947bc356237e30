"""Single sign-on in headless Chromium against a real OpenID provider (issue 20): the
authorization code flow with PKCE through the login page's provider chooser, in the Keycloak
and Entra ID claim shapes; MFA refused in Dutch; RP-initiated and back-channel logout, the
latter ending the session on two gunicorn nodes over one PostgreSQL."""

from __future__ import annotations

import re

import pytest
import requests

from app.services.access import oidc_tokens
from tests.identity.oidc.harness import clients_for, require_node
from tests.identity.oidc.network import ANNA_OID, build, write_federation
from tests.web.browser import ROOT, chromium, serving

pytestmark = pytest.mark.browser


def _demo_app(database_path, providers_file, **config):
    from app import create_app
    from app.models.schema import upgrade
    from app.services.access import demo, federation
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy, read_directory

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}",
            "TESTING": True,
            "SECRET_KEY": "sso-browser-test",
            "ZORGPAD_OIDC_PROVIDERS": providers_file,
            **config,
        }
    )
    with app.app_context():
        upgrade()
        deploy(read_directory(ROOT / "processes", ROOT / "forms"), actor=SYSTEM, name="demo", source="cli")
        demo.seed()
        fed = app.extensions["zorgpad.federation"]
        federation.link("anna", fed.by_key("wijkteam-entra"), ANNA_OID)
    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo Zorgpad served on loopback with three providers; yields (app, base URL, network)."""
    require_node()
    workdir = tmp_path_factory.mktemp("sso-web")
    network = build(workdir, ["http://127.0.0.1:9"])
    app = _demo_app(workdir / "zorgpad.db", write_federation(network, workdir / "providers.yaml"))
    with serving(app) as base:
        for provider in network.all:
            provider.clients = clients_for(provider.name, [base], pairwise=provider.name == "wijkteam-entra")
        network.start()
        oidc_tokens.forget_keys()
        try:
            yield app, base, network
        finally:
            network.stop()
            oidc_tokens.forget_keys()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


def sso_log_in(page, base, provider_key, account):
    page.goto(f"{base}/login")
    page.click(f"#sso-{provider_key}")
    page.wait_for_selector("#login")  # the provider's own login page
    assert not page.url.startswith(base)
    page.fill("#login", account)
    page.click("#provider-submit")
    page.wait_for_load_state("networkidle")


def test_the_login_page_offers_every_provider_and_the_password_form(site, page):
    _, base, _ = site
    page.goto(f"{base}/login")
    names = page.locator(".sso-chooser a").all_inner_texts()
    assert names == ["GGZ Regio", "Wijkteam Noord (Entra ID)", "Zorgverzekeraar"]
    assert page.locator("#password").count() == 1


def test_keycloak_shape_just_in_time_into_the_inbox(site, page):
    app, base, _ = site
    sso_log_in(page, base, "ggz-regio", "kc-fatima")
    assert page.url == f"{base}/inbox"
    assert page.locator(".who").inner_text() == "Fatima (GGZ Keycloak)"
    from app.services.access.identity import load_actor

    with app.app_context():
        actor = load_actor("fatima.kc")
    assert (
        actor.organisation == "ggz-regio" and actor.groups == {"ggz-fact"} and actor.roles == {"professional"}
    )


def test_entra_shape_pre_registered_lands_on_her_inbox_with_her_groups(site, page):
    app, base, _ = site
    from tests.web.browser import start_report

    start_report(app, "Mw. Entra")  # a triage task for wijkteam-triage
    sso_log_in(page, base, "wijkteam-entra", "entra-anna")
    assert page.url == f"{base}/inbox"
    assert page.locator(".who").inner_text() == "Anna de Vries"  # the pre-registered account
    page.goto(f"{base}/inbox?list=all")
    assert "Mw. Entra" in page.content()  # wijkteam-triage, from the group's object id


def test_a_login_without_mfa_is_refused_in_dutch(site, page):
    _, base, _ = site
    sso_log_in(page, base, "wijkteam-entra", "entra-ruben")
    text = page.locator("main").inner_text()
    assert "meervoudige authenticatie (MFA)" in text and "tweede factor" in text
    page.goto(f"{base}/inbox")
    assert "/login" in page.url  # not logged in


def test_not_pre_registered_and_a_group_that_would_lift_the_insurers_restriction_are_refused(site, page):
    _, base, _ = site
    sso_log_in(page, base, "wijkteam-entra", "entra-nobody")
    assert "Inloggen geweigerd" in page.locator("main").inner_text()
    sso_log_in(page, base, "zorgverzekeraar", "kc-vera-fact")
    assert "grants groups of zorgverzekeraar only" in page.locator("main").inner_text()
    page.goto(f"{base}/inbox")
    assert "/login" in page.url


def test_rp_initiated_logout_ends_the_provider_session_too(site, page):
    _, base, network = site
    sso_log_in(page, base, "ggz-regio", "kc-fatima")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
    page.click(".logout button[type=submit]")
    page.wait_for_selector("#provider-logout")  # the provider asks to confirm
    page.click("#provider-logout")
    page.wait_for_url(re.compile(re.escape(f"{base}/login")))
    assert (
        requests.get(f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10).status_code == 302
    )
    # The provider's session is gone too: logging in again asks for the account.
    page.click("#sso-ggz-regio")
    page.wait_for_selector("#login")


def test_logging_out_at_the_provider_ends_the_session_by_back_channel(site, page):
    _, base, network = site
    sso_log_in(page, base, "ggz-regio", "kc-fatima")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
    assert (
        requests.get(f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10).status_code == 200
    )
    page.goto(f"{network.ggz.issuer}/session/end")  # at the provider, not through Zorgpad
    page.click("#provider-logout")
    page.wait_for_selector("#provider-logged-out")
    assert (
        requests.get(f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10).status_code == 302
    )


def test_a_forged_logout_token_ends_nothing(site, page):
    _, base, network = site
    from tests.identity.oidc.harness import forge, new_key

    sso_log_in(page, base, "ggz-regio", "kc-fatima")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(base)}
    claims = {
        "iss": network.ggz.issuer,
        "aud": "zorgpad",
        "iat": 2_000_000_000,
        "jti": "x",
        "sub": "kc-fatima",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    }
    answer = requests.post(
        f"{base}/sso/ggz-regio/backchannel-logout",
        data={"logout_token": forge(claims, new_key("ggz-1"))},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    assert (
        requests.get(f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10).status_code == 200
    )


def test_local_passwords_can_be_switched_off(tmp_path, page):
    require_node()
    network = build(tmp_path, ["http://127.0.0.1:9"])
    app = _demo_app(
        tmp_path / "z.db", write_federation(network, tmp_path / "p.yaml"), ZORGPAD_LOCAL_LOGIN=False
    )
    with serving(app) as base:
        page.goto(f"{base}/login")
        assert page.locator("#password").count() == 0 and page.locator(".sso-chooser a").count() == 3
        # A password post with a valid CSRF token (the page offers no form) is refused all the same.
        client = app.test_client()
        with app.test_request_context():
            from flask import session
            from flask_wtf.csrf import generate_csrf

            token, raw = generate_csrf(), session["csrf_token"]
        with client.session_transaction() as cookie:
            cookie["csrf_token"] = raw
        answer = client.post(
            "/login", data={"username": "anna", "password": "zorgpad-demo", "csrf_token": token}
        )
        assert answer.status_code == 403
        with app.app_context():
            from app.extensions import db
            from app.models import WebSession

            assert db.session.query(WebSession).count() == 0  # no session began
        assert "wachtwoord staat uit" in answer.get_data(as_text=True)


def test_logging_out_at_the_provider_ends_the_session_on_both_nodes(
    db, request, database_url, tmp_path, page
):
    """Two gunicorn nodes on one PostgreSQL: logged in through node B, the provider's back-channel
    call reaches node A, and the session is refused on both at once."""
    from tests.identity.test_two_nodes import nodes
    from tests.reliability.support import require_postgresql
    from tests.reliability.test_crash_safety import _free_port

    require_postgresql(db, "two server processes share one PostgreSQL")
    require_node()
    request.getfixturevalue("people")
    db.session.remove()
    ports = [_free_port(), _free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    network = build(tmp_path, bases)
    providers_file = write_federation(network, tmp_path / "providers.yaml")
    with nodes(database_url, tmp_path, ports=ports, ZORGPAD_OIDC_PROVIDERS=providers_file) as (a, b):
        network.start()
        try:
            sso_log_in(page, b, "ggz-regio", "kc-fatima")
            assert page.url == f"{b}/inbox"
            cookies = {c["name"]: c["value"] for c in page.context.cookies(b)}
            for base in (a, b):
                assert (
                    requests.get(
                        f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10
                    ).status_code
                    == 200
                )
            page.goto(f"{network.ggz.issuer}/session/end")
            page.click("#provider-logout")
            page.wait_for_selector("#provider-logged-out")
            for base in (a, b):
                assert (
                    requests.get(
                        f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10
                    ).status_code
                    == 302
                )
        finally:
            network.stop()
