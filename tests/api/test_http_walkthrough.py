"""The docs/api.md curl walkthrough over real HTTP: a server on a free local port, the real pathways."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from app import cli
from app.services.access import demo
from app.services.access.actors import SYSTEM
from app.services.definitions.deployments import deploy, read_directory
from tests.pathways.helpers import FORMS, PROCESSES


@pytest.fixture
def server(app, db, monkeypatch):
    deploy(read_directory(PROCESSES, FORMS), actor=SYSTEM, name="walkthrough", source="cli")
    demo.seed()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(cli, "_app", lambda: app)
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def call(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local test server
            return (
                response.status,
                response.headers.get_content_type(),
                json.loads(response.read() or b"null"),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), json.loads(error.read())


def test_walk_a_resident_through_triage_with_curl_steps(server):
    # 1. A token from the CLI (alone on stdout).
    token = CliRunner().invoke(cli.main, ["users", "token", "anna"]).stdout.strip()
    status, kind, spec = call(server, "GET", "/api/v1/openapi.json")
    assert status == 200 and "/api/v1/tasks" in spec["paths"]
    # 2. Start triage for a resident.
    status, _, instance = call(
        server,
        "POST",
        "/api/v1/process-instances",
        token,
        {"processKey": "triage", "subject": {"displayName": "Mw. Jansen"}, "businessKey": "melding-2026-001"},
    )
    assert status == 201 and instance["status"] == "running"
    # 3. The inbox shows the first step for the triage team.
    status, _, page = call(
        server, "GET", "/api/v1/tasks?candidateGroup=wijkteam-triage&unassigned=true", token
    )
    assert status == 200 and page["total"] == 1
    [task] = page["items"]
    assert task["elementId"] == "ut_melding" and task["subject"]["displayName"] == "Mw. Jansen"
    # 4. Open the task page, claim it, complete it (first with an error, then right).
    status, _, detail = call(server, "GET", f"/api/v1/tasks/{task['id']}", token)
    assert status == 200 and "bewoner" in detail["form"]["ui"]["order"]
    status, _, claimed = call(server, "POST", f"/api/v1/tasks/{task['id']}/claim", token)
    assert status == 200 and claimed["assignee"] == "anna"
    status, kind, problem = call(server, "POST", f"/api/v1/tasks/{task['id']}/complete", token, {"data": {}})
    assert status == 422 and kind == "application/problem+json" and "bewoner" in problem["errors"]
    data = {
        "bewoner": {"naam": "Mw. Jansen", "telefoon": "06-12345678"},
        "vraag_eigen_woorden": "Ik red het niet meer met de post en de huur.",
        "melder_rol": "huisarts",
        "toestemming_bewoner": "ja",
        "acute_signalen": [],
    }
    status, _, done = call(server, "POST", f"/api/v1/tasks/{task['id']}/complete", token, {"data": data})
    assert status == 200 and done["status"] == "completed"
    # 5. The pathway moved on: first contact within two working days.
    status, _, page = call(server, "GET", "/api/v1/tasks?processKey=triage", token)
    assert [t["elementId"] for t in page["items"]] == ["ut_eerste_contact"]
    status, _, followed = call(server, "GET", f"/api/v1/process-instances/{instance['id']}", token)
    assert [t["elementId"] for t in followed["activeTasks"]] == ["ut_eerste_contact"]
    # Another organisation's professional sees none of it.
    koen = CliRunner().invoke(cli.main, ["users", "token", "koen"]).stdout.strip()
    assert call(server, "GET", "/api/v1/tasks", koen)[2]["total"] == 0
    assert call(server, "GET", f"/api/v1/tasks/{task['id']}", koen)[0] == 404
    # Unauthenticated over the wire: 401 problem+json.
    status, kind, _ = call(server, "GET", "/api/v1/tasks")
    assert status == 401 and kind == "application/problem+json"
