"""Access control tried as an attacker would (issue 9, part 7), for every route of the app.

The matrix is built from `app.url_map`: every route must be listed in `ROUTES` below (API, web,
public), so a new route without an access-control decision fails `test_every_route_is_in_the_matrix`.
Each refusal is checked for leaks: the body never holds the resident's name or pseudonym.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from app.services.access import demo, identity

PROBLEM = "application/problem+json"
RESIDENT = "Mw. Geheimhouding-Vertrouwelijk"
PSEUDONYM = "PSN-7f3c-geheim"

# endpoint -> kind. "api": bearer token; "web": session; "public": no login, no case data.
ROUTES = {
    "static": "public",
    "api-docs.openapi_json": "public",
    "api-docs.openapi_swagger_ui": "public",
    "api-docs-assets.swagger_asset": "public",
    "health.healthz": "public",
    "health.readyz": "public",
    "web.static": "public",
    "web.bpmn_js": "public",
    "web.chart_js": "public",
    "web.login": "public",
    "web.sso_login": "public",
    "web.sso_callback": "public",
    "sso.backchannel_logout": "public",
    "process-instances.ProcessInstances": "api",
    "process-instances.ProcessInstanceItem": "api",
    "process-instances.Cancel": "api",
    "tasks.Tasks": "api",
    "tasks.TaskItem": "api",
    "tasks.Claim": "api",
    "tasks.Unclaim": "api",
    "tasks.Assign": "api",
    "tasks.Complete": "api",
    "tasks.Draft": "api",
    "tasks.Comments": "api",
    "messages.Messages": "api",
    "process-definitions.Deployments": "api",
    "process-definitions.ProcessDefinitions": "api",
    "process-definitions.DefinitionXml": "api",
    "process-definitions.Migrations": "api",
    "audit.Events": "api",
    "audit.Timeline": "api",
    "audit.ClientView": "api",
    "audit.Export": "api",
    "incidents.Incidents": "api",
    "incidents.Retry": "api",
    "insight.Norms": "api",
    "insight.Compliance": "api",
    "insight.Durations": "api",
    "insight.Routes": "api",
    "insight.Learning": "api",
    "insight.DiagramXml": "api",
    "users.Deactivate": "api",
    "users.Activate": "api",
    "users.Membership": "api",
    "users.Revoke": "api",
    "web.home": "web",
    "web.logout": "web",
    "web.case": "web",
    "web.diagram": "web",
    "web.inbox": "web",
    "web.start": "web",
    "web.task": "web",
    "web.claim": "web",
    "web.unclaim": "web",
    "web.assign": "web",
    "web.comment": "web",
    "web.complete": "web",
    "web.audit_home": "web",
    "web.audit_client_lookup": "web",
    "web.audit_client": "web",
    "web.audit_client_export": "web",
    "web.audit_instance_lookup": "web",
    "web.audit_instance": "web",
    "web.audit_diagram": "web",
    "web.audit_export": "web",
    "web.incidents": "web",
    "web.incident_retry": "web",
    "web.incident_correct": "web",
    "web.modeller": "web",
    "web.modeller_definitions": "web",
    "web.modeller_definition_xml": "web",
    "web.modeller_deploy": "web",
    "web.insight": "web",
    "web.insight_norm": "web",
    "web.insight_durations": "web",
    "web.insight_diagram": "web",
    "web.insight_routes": "web",
    "web.insight_learning": "web",
    "web.insight_csv": "web",
    "web.password": "web",
    "web.users": "web",
    "web.deactivate_user": "web",
    "web.activate_user": "web",
    "web.revoke_group": "web",
}


def _fast_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1")


class Scene:
    """One triage case started by anna, its first task claimed by anna."""

    def __init__(self, app):
        self.app = app
        self.tokens = {}

    def api(self, username=None):
        client = self.app.test_client()
        if username:
            if username not in self.tokens:
                self.tokens[username] = identity.issue_token(username)
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[username]}"
        return client

    def web(self, username):
        client = self.app.test_client()
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = client.post(
            "/login", data={"username": username, "password": demo.DEMO_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.text
        return client

    def values(self, guessed: bool = False) -> dict:
        """Path parameter values: the scene's real ids, or guessed ones that exist nowhere."""
        if guessed:
            fake = str(uuid.uuid4())
            return {"task_id": fake, "instance_id": fake, "case_id": fake, "case_key": fake,
                    "key": "geraden-proces", "version": "1", "fmt": "geraden", "filename": "x.js",
                    "name": "x.js", "page": "geraden", "table": "geraden",
                    "username": "geraden-gebruiker", "group": "geraden-groep",
                    "provider_key": "geraden-provider"}
        return {"task_id": self.task_id, "instance_id": self.instance_id, "case_id": self.case_id,
                "case_key": self.case_id, "key": "triage", "version": "1", "fmt": "fhir",
                "filename": "x.js", "name": "x.js", "page": "overview", "table": "compliance",
                "username": "ruben", "group": "wijkteam-triage", "provider_key": "geen-provider"}


@pytest.fixture
def scene(app, db, clock, monkeypatch):
    from app.services.access.actors import SYSTEM
    from app.services.definitions.deployments import deploy, read_directory

    monkeypatch.setattr(identity, "generate_password_hash", _fast_hash)
    deploy(read_directory("processes", "forms"), actor=SYSTEM, name="attack", source="cli")
    demo.seed()
    s = Scene(app)
    started = s.api("anna").post(
        "/api/v1/process-instances",
        json={"processKey": "triage", "subject": {"displayName": RESIDENT, "pseudonym": PSEUDONYM}},
    )
    assert started.status_code == 201, started.text
    s.instance_id = started.json["id"]
    s.case_id = started.json["caseId"]
    s.task_id = started.json["activeTasks"][0]["id"]
    assert s.api("anna").post(f"/api/v1/tasks/{s.task_id}/claim").status_code == 200
    return s


def _rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, values) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


# Valid bodies, so a refusal is about who calls, not about what was sent.
BODIES = {
    "assign": {"assignee": "ruben"},
    "complete": {"data": {}},
    "draft": {"data": {}},
    "comments": {"body": "hallo"},
    "cancel": {"reason": "poging"},
    "messages": {"name": "melding", "correlationKeys": {"businessKey": "onbekend"}},
    "migrations": {"fromVersion": 1, "toVersion": 1},
}


def _call(client, method, url):
    if method in ("POST", "PUT"):
        return client.open(url, method=method, json=BODIES.get(url.rstrip("/").rsplit("/", 1)[-1], {}))
    return client.open(url, method=method)


def assert_no_leak(response):
    body = response.get_data(as_text=True)
    assert RESIDENT not in body and PSEUDONYM not in body, (response.request.path, body[:500])


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ROUTES.keys() == set(), "new routes: add them to ROUTES and decide who may call them"
    assert ROUTES.keys() - endpoints == set(), "routes gone: remove them from ROUTES"


def test_unauthenticated_is_refused_everywhere(scene):
    client = scene.app.test_client()
    for rule, method in _rules(scene.app):
        kind = ROUTES[rule.endpoint]
        response = _call(client, method, _url(rule, scene.values()))
        where = (method, rule.rule, response.status_code)
        assert response.status_code < 500, where
        assert_no_leak(response)
        if kind == "api":
            assert response.status_code == 401, where
            assert response.mimetype == PROBLEM, where
            assert response.headers["WWW-Authenticate"].lower().startswith("bearer"), where
        elif kind == "web":
            if method == "GET":
                assert response.status_code == 302, where
                target = "/inbox" if rule.endpoint == "web.home" else "/login"  # / -> /inbox -> /login
                assert response.headers["Location"].startswith(target), where
            else:  # a POST without a session has no CSRF token either: refused before anything
                assert response.status_code in (302, 400), where


@pytest.mark.parametrize("username", ["anna", "vera", "olaf", "audrey", "admin", "huisartsensysteem"])
def test_guessed_ids_are_404_without_data(scene, username):
    """Random ids for every route with an id in its path: 404 (or a refusal), never 500, no data."""
    client = scene.api(username) if username != "huisartsensysteem" else scene.api(username)
    web = scene.web(username) if username not in ("huisartsensysteem",) else None
    for rule, method in _rules(scene.app):
        if not rule.arguments or ROUTES[rule.endpoint] == "public":
            continue
        kind = ROUTES[rule.endpoint]
        caller = client if kind == "api" else web
        if caller is None:
            continue
        url = _url(rule, scene.values(guessed=True))
        if kind == "web" and method == "POST":
            continue  # CSRF first; the web actions are covered below with a token
        response = _call(caller, method, url)
        where = (username, method, rule.rule, response.status_code)
        assert response.status_code in (403, 404, 409, 422), where
        assert_no_leak(response)
        if kind == "api":
            assert response.mimetype == PROBLEM, where


# (user, method, path template, expected status) — docs/api.md "Who sees what".
REFUSALS = [
    # auditors read, never act
    ("audrey", "POST", "/api/v1/tasks/{task_id}/claim", 403),
    ("audrey", "POST", "/api/v1/tasks/{task_id}/unclaim", 403),
    ("audrey", "POST", "/api/v1/tasks/{task_id}/assign", 403),
    ("audrey", "POST", "/api/v1/tasks/{task_id}/complete", 403),
    ("audrey", "PUT", "/api/v1/tasks/{task_id}/draft", 403),
    ("audrey", "POST", "/api/v1/tasks/{task_id}/comments", 403),
    ("audrey", "POST", "/api/v1/process-instances/{instance_id}/cancel", 403),
    ("audrey", "POST", "/api/v1/messages", 403),
    # process owners see instance states, never tasks
    ("olaf", "GET", "/api/v1/tasks/{task_id}", 404),
    ("olaf", "POST", "/api/v1/tasks/{task_id}/claim", 404),
    ("olaf", "POST", "/api/v1/tasks/{task_id}/complete", 404),
    ("olaf", "PUT", "/api/v1/tasks/{task_id}/draft", 404),
    ("olaf", "GET", "/api/v1/tasks/{task_id}/comments", 404),
    ("olaf", "POST", "/api/v1/process-instances/{instance_id}/cancel", 403),
    ("olaf", "POST", "/api/v1/messages", 403),
    ("olaf", "GET", "/api/v1/audit/events", 403),
    # the insurer never reads case data
    ("vera", "GET", "/api/v1/process-instances/{instance_id}", 404),
    ("vera", "GET", "/api/v1/tasks/{task_id}", 404),
    ("vera", "GET", "/api/v1/tasks/{task_id}/comments", 404),
    ("vera", "POST", "/api/v1/process-instances/{instance_id}/cancel", 404),
    ("vera", "GET", "/api/v1/audit/cases/{case_id}/accesses", 403),
    ("vera", "GET", "/api/v1/audit/instances/{instance_id}/timeline", 403),
    # another organisation, no lane in triage
    ("bram", "GET", "/api/v1/process-instances/{instance_id}", 404),
    ("bram", "GET", "/api/v1/tasks/{task_id}", 404),
    ("bram", "POST", "/api/v1/tasks/{task_id}/claim", 404),
    ("bram", "POST", "/api/v1/tasks/{task_id}/complete", 404),
    ("bea", "POST", "/api/v1/process-instances/{instance_id}/cancel", 404),
    ("koen", "GET", "/api/v1/tasks/{task_id}/comments", 404),
    # another professional's claimed task (anna holds it; ruben is in the same team)
    ("ruben", "POST", "/api/v1/tasks/{task_id}/claim", 409),
    ("ruben", "POST", "/api/v1/tasks/{task_id}/complete", 409),
    ("ruben", "POST", "/api/v1/tasks/{task_id}/unclaim", 409),
    # an outside system may only send messages
    ("huisartsensysteem", "GET", "/api/v1/tasks/{task_id}", 404),
    ("huisartsensysteem", "GET", "/api/v1/process-instances/{instance_id}", 404),
    ("huisartsensysteem", "POST", "/api/v1/process-instances/{instance_id}/cancel", 404),
    # professionals: no owner or auditor endpoints
    ("anna", "GET", "/api/v1/audit/events", 403),
    ("anna", "GET", "/api/v1/audit/export/{fmt}", 403),
    ("anna", "GET", "/api/v1/incidents", 403),
    ("anna", "POST", "/api/v1/incidents/{instance_id}/retry", 403),
    ("anna", "GET", "/api/v1/process-definitions", 403),
    ("anna", "POST", "/api/v1/process-definitions/{key}/migrations", 403),
    # pathway insight: aggregates for owners, teams and the insurer; nothing for the rest
    ("audrey", "GET", "/api/v1/insight/compliance", 403),
    ("huisartsensysteem", "GET", "/api/v1/insight/routes", 403),
    ("vera", "GET", "/api/v1/insight/compliance?by=team", 403),
    ("vera", "GET", "/api/v1/insight/learning", 403),
    ("olaf", "GET", "/api/v1/insight/learning", 403),
    # only administrators manage users
    ("anna", "POST", "/api/v1/users/{username}/deactivate", 403),
    ("audrey", "POST", "/api/v1/users/{username}/deactivate", 403),
    ("olaf", "POST", "/api/v1/users/{username}/revoke", 403),
    ("ruben", "DELETE", "/api/v1/users/{username}/groups/{group}", 403),
    ("huisartsensysteem", "POST", "/api/v1/users/{username}/activate", 403),
]


@pytest.mark.parametrize(("username", "method", "path", "status"), REFUSALS)
def test_wrong_role_organisation_or_holder_is_refused_without_data(scene, username, method, path, status):
    url = path.format(**scene.values())
    response = _call(scene.api(username), method, url)
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.mimetype == PROBLEM
    assert_no_leak(response)
    # A refusal changes nothing: anna still holds her task.
    task = scene.api("anna").get(f"/api/v1/tasks/{scene.task_id}").json["task"]
    assert task["assignee"] == "anna" and task["status"] == "open"


@pytest.mark.parametrize("username", ["vera", "bram", "olaf", "huisartsensysteem"])
def test_searching_by_resident_finds_nothing_for_outsiders(scene, username):
    client = scene.api(username)
    for url in (
        f"/api/v1/tasks?subject={PSEUDONYM}",
        f"/api/v1/tasks?caseId={scene.case_id}",
        f"/api/v1/process-instances?pseudonym={PSEUDONYM}",
        f"/api/v1/process-instances?caseId={scene.case_id}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        assert_no_leak(response)
        if response.status_code == 200 and username != "olaf":
            assert response.json["items"] == [], url


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("vera", "/tasks/{task_id}"),
        ("vera", "/cases/{case_id}"),
        ("vera", "/instances/{instance_id}/diagram.bpmn"),
        ("bram", "/tasks/{task_id}"),
        ("bram", "/cases/{case_id}"),
        ("olaf", "/tasks/{task_id}"),
    ],
)
def test_web_pages_of_a_case_are_404_for_outsiders(scene, username, path):
    response = scene.web(username).get(path.format(**scene.values()))
    assert response.status_code == 404
    assert_no_leak(response)


def test_web_actions_of_others_are_refused(scene):
    client = scene.web("ruben")
    page = client.get("/inbox")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"csrf_token": token.group(1)} if token else {}
    for action in ("claim", "unclaim", "complete"):
        response = client.post(f"/tasks/{scene.task_id}/{action}", data=data)
        assert response.status_code in (302, 403, 404, 409), (action, response.status_code)
        assert_no_leak(response)
    task = scene.api("anna").get(f"/api/v1/tasks/{scene.task_id}").json["task"]
    assert task["assignee"] == "anna" and task["status"] == "open"


def test_tokens_expire_and_can_be_revoked(scene, clock):
    short = identity.issue_token("anna", lifetime=timedelta(hours=1))
    client = scene.app.test_client()
    headers = {"Authorization": f"Bearer {short}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    clock.advance(hours=1, seconds=1)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
    fresh = identity.issue_token("anna")
    headers = {"Authorization": f"Bearer {fresh}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert identity.revoke_tokens("anna") >= 1
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401


def test_passwords_are_stored_with_a_slow_hash(db):
    from app.models import User
    from app.services.access.identity import find_user

    identity.add_user("sterk", display_name="Sterk Wachtwoord", password="lang-genoeg-wachtwoord")
    stored = find_user(db.session, "sterk").password_hash
    assert isinstance(db.session.get(User, find_user(db.session, "sterk").id), User)
    method = stored.split("$", 1)[0]
    if method.startswith("pbkdf2"):
        assert int(method.split(":")[2]) >= 600_000, method
    else:
        assert method.startswith("scrypt:"), method
        n = int(method.split(":")[1])
        assert n >= 2**15, method
    assert "lang-genoeg-wachtwoord" not in stored


def test_login_is_rate_limited(scene):
    client = scene.app.test_client()
    statuses = []
    for _ in range(30):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        # A user of its own: the limiter's counters live as long as the (session-wide) app.
        response = client.post(
            "/login", data={"username": "aanvaller", "password": "fout", "csrf_token": token}
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429, statuses


def test_api_body_over_the_limit_is_413(scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    response = scene.api("anna").post(
        f"/api/v1/tasks/{scene.task_id}/comments", json={"body": "x" * (128 * 1024)}
    )
    assert response.status_code == 413 and response.mimetype == PROBLEM


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_huge_web_form_post_is_413_not_500(scene, app, multipart):
    """Web posts are bounded by ZORGPAD_MAX_FORM_SIZE (werkzeug bounds only multipart fields)."""
    client = scene.web("anna")
    page = client.get(f"/tasks/{scene.task_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    for size in (2 * 1024 * 1024, app.config["MAX_CONTENT_LENGTH"] + 1):
        data = {"text": "x" * size, "csrf_token": token}
        if multipart:
            response = client.post(
                f"/tasks/{scene.task_id}/comments", data=data, content_type="multipart/form-data"
            )
        else:
            response = client.post(f"/tasks/{scene.task_id}/comments", data=data)
        assert response.status_code == 413, (size, response.status_code)
        assert_no_leak(response)
    # An ordinary comment still goes through.
    response = client.post(f"/tasks/{scene.task_id}/comments", data={"text": "gebeld", "csrf_token": token})
    assert response.status_code == 302


def test_page_size_is_limited(scene):
    response = scene.api("anna").get("/api/v1/tasks?perPage=201")
    assert response.status_code == 422 and response.mimetype == PROBLEM
    response = scene.api("anna").get("/api/v1/process-instances?perPage=10000")
    assert response.status_code == 422 and response.mimetype == PROBLEM


def test_process_owner_sees_state_and_auditor_reads_without_acting(scene):
    owner = scene.api("olaf").get(f"/api/v1/process-instances/{scene.instance_id}")
    assert owner.status_code == 200 and owner.json["status"] == "running"
    assert_no_leak(owner)  # state only: no name, no pseudonym, no variables
    page = scene.api("audrey").get(f"/api/v1/tasks/{scene.task_id}")
    assert page.status_code == 200
    assert not any(page.json["actions"].values()), page.json["actions"]


def test_huge_version_numbers_are_404_or_422_not_500(scene):
    """Found by the schemathesis run: a 22-digit version overflowed the database driver."""
    huge = 617053757432938627072
    for user in ("olaf", "admin"):
        response = scene.api(user).get(f"/api/v1/process-definitions/triage/versions/{huge}/xml")
        assert response.status_code == 404 and response.mimetype == PROBLEM, response.status_code
        response = scene.api(user).post(
            "/api/v1/process-definitions/triage/migrations", json={"fromVersion": huge, "toVersion": 1}
        )
        assert response.status_code == 422 and response.mimetype == PROBLEM, response.status_code
