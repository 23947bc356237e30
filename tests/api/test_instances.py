"""Process instances: start (only the starter lanes), list, detail and cancel, per role."""

import pytest

from tests.api.conftest import assert_problem


def test_only_groups_of_the_start_lane_may_start(world):
    for user in ("fatima", "vera", "audrey", "olaf", "petra"):
        body = {"processKey": "inbox", "subject": {"displayName": "X"}}
        assert_problem(world.client(user).post("/api/v1/process-instances", json=body), 403)
    assert (
        world.client("anna").post("/api/v1/process-instances", json={"processKey": "inbox"}).status_code
        == 201
    )
    assert (
        world.client("admin").post("/api/v1/process-instances", json={"processKey": "inbox"}).status_code
        == 201
    )


def test_start_validation_and_unknown_keys(world):
    anna = world.client("anna")
    assert "processKey" in assert_problem(anna.post("/api/v1/process-instances", json={}), 422)["errors"]
    assert_problem(anna.post("/api/v1/process-instances", json={"processKey": "bestaat-niet"}), 404)
    bad_case = {"processKey": "inbox", "caseId": "00000000-0000-0000-0000-000000000000"}
    assert_problem(anna.post("/api/v1/process-instances", json=bad_case), 404)
    assert_problem(
        anna.post("/api/v1/process-instances", json={"processKey": "inbox", "variables": [1]}), 422
    )


def test_start_on_an_existing_case(world):
    first = world.start(pseudonym="Z-TWEE")
    again = world.client("anna").post(
        "/api/v1/process-instances", json={"processKey": "inbox", "caseId": first["caseId"]}
    )
    assert again.status_code == 201 and again.json["caseId"] == first["caseId"]
    listed = world.client("anna").get("/api/v1/process-instances?pseudonym=Z-TWEE").json
    assert listed["total"] == 2


def _ids(response):
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def test_who_sees_which_instances(world):
    inbox = world.start()
    two_step = world.client("anna").post("/api/v1/process-instances", json={"processKey": "two_step"}).json
    both = {inbox["id"], two_step["id"]}
    assert _ids(world.client("anna").get("/api/v1/process-instances")) == both
    assert _ids(world.client("fatima").get("/api/v1/process-instances")) == {inbox["id"]}  # her lane
    assert _ids(world.client("petra").get("/api/v1/process-instances")) == {inbox["id"]}  # candidate user
    assert _ids(world.client("koen").get("/api/v1/process-instances")) == set()
    assert _ids(world.client("vera").get("/api/v1/process-instances")) == {inbox["id"]}  # own task only
    assert _ids(world.client("olaf").get("/api/v1/process-instances")) == both
    assert _ids(world.client("audrey").get("/api/v1/process-instances")) == both


def test_case_data_per_role_in_the_detail(world):
    started = world.start(display_name="Mw. Detail", business_key="bk-d")
    path = f"/api/v1/process-instances/{started['id']}"
    anna = world.client("anna").get(path).json
    assert anna["subject"]["displayName"] == "Mw. Detail" and anna["businessKey"] == "bk-d"
    assert isinstance(anna["variables"], dict) and anna["caseData"] is True
    assert {t["elementId"] for t in anna["activeTasks"]} == {"t_triage", "t_insurer", "t_fact"}
    for user in ("vera", "olaf"):
        body = world.client(user).get(path).json
        assert body["status"] == "running" and body["version"] == 1
        assert body["subject"] is None and body["variables"] is None and body["caseId"] is None
        assert body["businessKey"] is None and body["caseData"] is False
    for user in ("audrey", "admin"):
        assert world.client(user).get(path).json["variables"] is not None
    assert_problem(world.client("koen").get(path), 404)
    assert_problem(
        world.client("anna").get("/api/v1/process-instances/00000000-0000-0000-0000-000000000000"), 404
    )


def test_filters_and_paging(world, clock):
    world.start(business_key="bk-1")
    clock.advance(minutes=1)
    world.start(business_key="bk-2", pseudonym="Z-FILTER")
    audrey = world.client("audrey")
    assert audrey.get("/api/v1/process-instances?processKey=inbox").json["total"] == 2
    assert audrey.get("/api/v1/process-instances?processKey=two_step").json["total"] == 0
    assert audrey.get("/api/v1/process-instances?status=running").json["total"] == 2
    assert audrey.get("/api/v1/process-instances?status=completed").json["total"] == 0
    assert audrey.get("/api/v1/process-instances?businessKey=bk-1").json["total"] == 1
    found = audrey.get("/api/v1/process-instances?caseId=Z-FILTER").json["items"]
    assert [i["businessKey"] for i in found] == ["bk-2"]
    by_id = audrey.get(f"/api/v1/process-instances?caseId={found[0]['caseId']}").json
    assert by_id["total"] == 1
    page = audrey.get("/api/v1/process-instances?perPage=1&page=2").json
    assert page["total"] == 2 and [i["businessKey"] for i in page["items"]] == ["bk-1"]  # newest first
    # Searching by resident is case data: the insurer and the process owner find nothing.
    for user in ("vera", "olaf"):
        assert world.client(user).get("/api/v1/process-instances?caseId=Z-FILTER").json["total"] == 0
    assert_problem(audrey.get("/api/v1/process-instances?perPage=500"), 422)
    assert_problem(audrey.get("/api/v1/process-instances?status=kapot"), 422)


@pytest.mark.parametrize("user", ["vera", "olaf", "audrey"])
def test_cancel_is_403_for_roles_that_only_read(world, user):
    started = world.start()
    response = world.client(user).post(
        f"/api/v1/process-instances/{started['id']}/cancel", json={"reason": "x"}
    )
    assert_problem(response, 403)


def test_cancel_with_a_reason(world, db):
    started = world.start()
    path = f"/api/v1/process-instances/{started['id']}/cancel"
    assert_problem(world.client("koen").post(path, json={"reason": "x"}), 404)
    assert "reason" in assert_problem(world.client("anna").post(path, json={}), 422)["errors"]
    cancelled = world.client("anna").post(path, json={"reason": "dubbele melding"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["activeTasks"] == []
    assert world.client("anna").get("/api/v1/tasks").json["total"] == 0
    assert_problem(world.client("anna").post(path, json={"reason": "nogmaals"}), 409)
    from sqlalchemy import select

    from app.models import HistoryEvent

    reasons = (
        db.session.execute(select(HistoryEvent.data).where(HistoryEvent.kind == "instance_cancelled"))
        .scalars()
        .all()
    )
    assert reasons == [{"reason": "dubbele melding"}]


def test_admin_cancels_anything(world):
    started = world.start()
    response = world.client("admin").post(
        f"/api/v1/process-instances/{started['id']}/cancel", json={"reason": "opschonen"}
    )
    assert response.status_code == 200 and response.json["status"] == "cancelled"
