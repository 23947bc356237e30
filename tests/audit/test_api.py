"""The auditor's API: timeline, client view, search, and who may use it."""

import pytest
from flask import g

from app.services.access import identity
from tests.audit.conftest import audit_rows, open_task


class _Client:
    """A test client for one user. The `db` fixture keeps one app context open across
    requests, so Flask's `g` (where auth caches the actor) would carry the previous caller."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        g.pop("actor", None)
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        g.pop("actor", None)
        return self.client.post(*args, **kwargs)


@pytest.fixture
def clients(app, db, pathway):
    identity.add_user("anna", roles=["professional"], organisation="wijkteam-noord")
    identity.grant("anna", groups=["wijkteam-triage"])
    identity.add_user("audrey", roles=["auditor"], organisation="kwaliteit")
    made = {}
    for name in ("anna", "audrey"):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {identity.issue_token(name)}"
        made[name] = _Client(client)
    return made


def test_an_api_read_is_logged_with_address_and_purpose(clients, db, pathway):
    instance = pathway()
    task = open_task(instance.id)
    response = clients["anna"].get(f"/api/v1/tasks/{task.id}", headers={"X-Purpose-Of-Use": "care"})
    assert response.status_code == 200
    read = audit_rows(db, event_type="task.read")[-1]
    assert (read.user, read.action, read.purpose, read.address) == ("anna", "R", "care", "127.0.0.1")
    assert read.organisation == "wijkteam-noord" and read.case_id == instance.case_id


def test_reading_and_listing_instances_is_logged_per_resident(clients, db, pathway):
    first, second = pathway(name="Mw. Jansen"), pathway(name="Dhr. Bakker")
    anna = clients["anna"]
    before = len(audit_rows(db))
    assert anna.get(f"/api/v1/process-instances/{first.id}").status_code == 200
    listing = anna.get("/api/v1/process-instances?processKey=beslissing")
    assert listing.status_code == 200 and listing.get_json()["total"] == 2
    rows = audit_rows(db)[before:]
    assert [(r.action, r.event_type) for r in rows] == [
        ("R", "instance.read"),
        ("E", "instance.searched"),
        ("R", "instance.listed"),
        ("R", "instance.listed"),
    ]
    read, search, *listed = rows
    assert (read.user, read.instance_id, read.case_id) == ("anna", first.id, first.case_id)
    assert read.case_pseudonym and read.details == {"caseData": True}
    assert search.details["filters"] == {"processKey": "beslissing", "page": 1}
    assert search.details["shown"] == 2
    assert {r.case_id for r in listed} == {first.case_id, second.case_id}
    assert all(r.case_pseudonym for r in listed)
    assert {r.object_id for r in listed} == {str(first.id), str(second.id)}


def test_a_cancellation_answer_is_not_logged_again_as_a_read(clients, db, pathway):
    instance = pathway()
    before = len(audit_rows(db))
    response = clients["anna"].post(
        f"/api/v1/process-instances/{instance.id}/cancel", json={"reason": "verhuisd"}
    )
    assert response.status_code == 200, response.get_json()
    events = [r.event_type for r in audit_rows(db)[before:]]
    assert "instance.cancelled" in events and "instance.read" not in events


def test_an_unseen_instance_leaves_no_read_row(clients, db, pathway):
    before = len(audit_rows(db))
    missing = clients["anna"].get("/api/v1/process-instances/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert [r.event_type for r in audit_rows(db)[before:]] == []


def test_non_auditors_get_403_whether_or_not_the_thing_exists(clients, db, pathway):
    instance = pathway()
    anna = clients["anna"]
    for path in (
        f"/api/v1/audit/instances/{instance.id}/timeline",
        "/api/v1/audit/instances/00000000-0000-0000-0000-000000000000/timeline",
        f"/api/v1/audit/cases/{instance.case_id}/accesses",
        "/api/v1/audit/cases/Z-BESTAATNIET/accesses",
        "/api/v1/audit/events",
        "/api/v1/audit/export/csv",
    ):
        assert anna.get(path).status_code == 403, path


def test_timeline_shows_who_when_what_and_the_path(clients, db, pathway):
    instance = pathway(scores=(1, 2))
    timeline = clients["audrey"].get(f"/api/v1/audit/instances/{instance.id}/timeline").json
    assert timeline["completedElementIds"] == ["start", "invoer", "besluit", "gw"]
    decision = next(s for s in timeline["steps"] if s["eventType"] == "decision.evaluated")
    assert decision["details"]["decision"]["outputs"] == {"route": "zwaar"}
    completed = next(s for s in timeline["steps"] if s["eventType"] == "task.completed")
    assert completed["user"] == "anna" and completed["organisation"] == "wijkteam-noord"
    assert audit_rows(db, event_type="audit.timeline.read")[-1].user == "audrey"


def test_client_view_lists_every_access_in_order_including_the_auditors(clients, db, pathway):
    instance = pathway()
    task = open_task(instance.id)
    clients["anna"].get(f"/api/v1/tasks/{task.id}")
    case = audit_rows(db, instance_id=instance.id)[0].case_pseudonym
    view = clients["audrey"].get(f"/api/v1/audit/cases/{case}/accesses").json
    lines = view["items"]
    assert view["pseudonym"] == case and view["total"] == len(lines)
    assert [line["when"] for line in lines] == sorted(line["when"] for line in lines)
    read = next(line for line in lines if line["eventType"] == "task.read")
    assert read["who"] == "anna" and read["action"] == "R" and read["breakGlass"] is False
    assert read["data"]["type"] == "HumanTask"
    again = clients["audrey"].get(f"/api/v1/audit/cases/{case}/accesses").json["items"]
    assert again[-1]["who"] == "audrey" and again[-1]["eventType"] == "audit.client-view.read"


def test_search_by_user_action_pathway_and_period(clients, db, pathway, clock):
    pathway()
    audrey = clients["audrey"]
    page = audrey.get("/api/v1/audit/events?user=anna&action=C&processKey=beslissing&perPage=2").json
    assert page["total"] >= 3 and len(page["items"]) == 2
    assert {(i["user"], i["action"]) for i in page["items"]} == {("anna", "C")}
    later = clock.now.isoformat().replace("+00:00", "Z")
    assert audrey.get(f"/api/v1/audit/events?until={later}&organisation=nergens").json["total"] == 0
    assert audrey.get("/api/v1/audit/events?action=X").status_code == 422
    search = audit_rows(db, event_type="audit.searched")
    assert search[0].details["filters"]["user"] == "anna"
