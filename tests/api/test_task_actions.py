"""Claim, unclaim, assign, complete, draft and comments: the rules and their history rows."""

import uuid

import pytest
from sqlalchemy import select

from app.models import HistoryEvent
from tests.api.conftest import assert_problem

ACTIONS = [
    ("post", "claim", None),
    ("post", "unclaim", None),
    ("post", "assign", {"assignee": "ruben"}),
    ("post", "complete", {"data": {"naam": "A"}}),
    ("put", "draft", {"data": {"naam": "A"}}),
    ("post", "comments", {"body": "even overleggen"}),
]


def _call(client, method, task_id, action, body):
    kwargs = {"json": body} if body is not None else {}
    return getattr(client, method)(f"/api/v1/tasks/{task_id}/{action}", **kwargs)


def _kinds(db, task_id):
    db.session.expire_all()
    return [
        e.kind
        for e in db.session.execute(
            select(HistoryEvent).where(HistoryEvent.task_id == uuid.UUID(task_id)).order_by(HistoryEvent.id)
        ).scalars()
    ]


@pytest.fixture
def triage_task(world):
    return world.task_of(world.start(), "t_triage")


@pytest.mark.parametrize("method,action,body", ACTIONS)
@pytest.mark.parametrize("user", ["fatima", "petra", "vera", "olaf", "bram"])
def test_a_task_you_may_not_see_is_404_for_every_action(world, triage_task, user, method, action, body):
    assert_problem(_call(world.client(user), method, triage_task, action, body), 404)


@pytest.mark.parametrize("method,action,body", ACTIONS)
def test_auditors_read_but_never_act(world, triage_task, method, action, body):
    audrey = world.client("audrey")
    assert audrey.get(f"/api/v1/tasks/{triage_task}").status_code == 200
    assert audrey.get(f"/api/v1/tasks/{triage_task}/comments").status_code == 200
    assert_problem(_call(audrey, method, triage_task, action, body), 403)


def test_unknown_and_malformed_task_ids_are_404(world):
    anna = world.client("anna")
    assert_problem(anna.get("/api/v1/tasks/00000000-0000-0000-0000-000000000000"), 404)
    assert_problem(anna.get("/api/v1/tasks/niet-een-id"), 404)
    assert_problem(anna.post("/api/v1/tasks/00000000-0000-0000-0000-000000000000/claim"), 404)


def test_claim_unclaim_and_conflicts(world, db, triage_task):
    anna, ruben = world.client("anna"), world.client("ruben")
    claimed = anna.post(f"/api/v1/tasks/{triage_task}/claim")
    assert claimed.status_code == 200 and claimed.json["assignee"] == "anna"
    assert anna.post(f"/api/v1/tasks/{triage_task}/claim").status_code == 200  # idempotent for the holder
    assert_problem(ruben.post(f"/api/v1/tasks/{triage_task}/claim"), 409)
    assert_problem(ruben.post(f"/api/v1/tasks/{triage_task}/unclaim"), 409)
    assert_problem(ruben.post(f"/api/v1/tasks/{triage_task}/complete", json={"data": {"naam": "X"}}), 409)
    assert_problem(ruben.put(f"/api/v1/tasks/{triage_task}/draft", json={"data": {}}), 409)
    # Ruben still sees it (he is a candidate), just cannot take it.
    assert ruben.get(f"/api/v1/tasks/{triage_task}").json["actions"]["claim"] is False
    released = anna.post(f"/api/v1/tasks/{triage_task}/unclaim")
    assert released.status_code == 200 and released.json["assignee"] is None
    assert ruben.post(f"/api/v1/tasks/{triage_task}/claim").json["assignee"] == "ruben"
    assert _kinds(db, triage_task) == [
        "task_created",
        "task_claimed",
        "task_claimed",
        "task_unclaimed",
        "task_claimed",
    ]


def test_admin_may_release_someone_elses_claim(world, triage_task):
    world.client("anna").post(f"/api/v1/tasks/{triage_task}/claim")
    released = world.client("admin").post(f"/api/v1/tasks/{triage_task}/unclaim")
    assert released.status_code == 200 and released.json["assignee"] is None


def test_assign_only_to_a_candidate(world, db, triage_task):
    anna = world.client("anna")
    for target, reason in [("fatima", "not a member"), ("audrey", "role"), ("niemand", "no such")]:
        body = assert_problem(
            anna.post(f"/api/v1/tasks/{triage_task}/assign", json={"assignee": target}), 422
        )
        assert reason in body["errors"]["assignee"][0]
    assigned = anna.post(f"/api/v1/tasks/{triage_task}/assign", json={"assignee": "ruben"})
    assert assigned.status_code == 200 and assigned.json["assignee"] == "ruben"
    # Now Ruben holds it: Anna can no longer hand it on, Ruben can hand it back.
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/assign", json={"assignee": "anna"}), 409)
    back = world.client("ruben").post(f"/api/v1/tasks/{triage_task}/assign", json={"assignee": "anna"})
    assert back.json["assignee"] == "anna"
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/assign", json={}), 422)
    assert _kinds(db, triage_task)[-2:] == ["task_assigned", "task_assigned"]


def test_assign_to_a_candidate_user(world):
    fact = world.task_of(world.start(), "t_fact")
    response = world.client("fatima").post(f"/api/v1/tasks/{fact}/assign", json={"assignee": "petra"})
    assert response.status_code == 200 and response.json["assignee"] == "petra"


def test_complete_validates_the_form_and_only_the_assignee_completes(world, db, triage_task):
    anna = world.client("anna")
    bad = assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/complete", json={"data": {"score": 9}}), 422)
    assert set(bad["errors"]) == {"naam", "score"}
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/complete", json={"data": "tekst"}), 422)
    done = anna.post(
        f"/api/v1/tasks/{triage_task}/complete", json={"data": {"naam": "Mw. Jansen", "score": 3}}
    )
    assert (
        done.status_code == 200 and done.json["status"] == "completed" and done.json["completedBy"] == "anna"
    )
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/complete", json={"data": {"naam": "A"}}), 409)
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/claim"), 409)
    assert "task_completed" in _kinds(db, triage_task)


def test_draft_is_kept_and_shown_until_completion(world, db, triage_task):
    anna = world.client("anna")
    saved = anna.put(f"/api/v1/tasks/{triage_task}/draft", json={"data": {"naam": "Mw. J", "score": 99}})
    assert saved.status_code == 200
    page = anna.get(f"/api/v1/tasks/{triage_task}").json
    assert page["data"] == {"naam": "Mw. J", "score": 99} and page["draftSaved"] is True
    assert_problem(anna.put(f"/api/v1/tasks/{triage_task}/draft", json={"data": [1]}), 422)
    assert_problem(anna.put(f"/api/v1/tasks/{triage_task}/draft", json={}), 422)
    assert "task_draft_saved" in _kinds(db, triage_task)


def test_comments(world, db, triage_task):
    anna, ruben = world.client("anna"), world.client("ruben")
    created = anna.post(f"/api/v1/tasks/{triage_task}/comments", json={"body": "  Bel eerst de huisarts  "})
    assert created.status_code == 201 and created.json["body"] == "Bel eerst de huisarts"
    ruben.post(f"/api/v1/tasks/{triage_task}/comments", json={"body": "Gedaan"})
    listed = world.client("audrey").get(f"/api/v1/tasks/{triage_task}/comments").json["items"]
    assert [(c["author"], c["body"]) for c in listed] == [
        ("anna", "Bel eerst de huisarts"),
        ("ruben", "Gedaan"),
    ]
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/comments", json={"body": ""}), 422)
    assert_problem(anna.post(f"/api/v1/tasks/{triage_task}/comments", json={"body": "x" * 4001}), 422)
    assert_problem(world.client("fatima").get(f"/api/v1/tasks/{triage_task}/comments"), 404)
    assert _kinds(db, triage_task).count("task_commented") == 2


def test_insurer_acts_on_its_own_task(world):
    insurer_task = world.task_of(world.start(), "t_insurer")
    vera = world.client("vera")
    assert vera.post(f"/api/v1/tasks/{insurer_task}/claim").json["assignee"] == "vera"
    done = vera.post(f"/api/v1/tasks/{insurer_task}/complete", json={"data": {"wachttijd_weken": 3}})
    assert done.status_code == 200 and done.json["caseId"] is None and done.json["subject"] is None


def test_two_colleagues_claiming_at_once_one_wins(world, app, database_url, clock):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the optimistic lock is exercised on PostgreSQL")
    import threading

    from app.engine.clock import using_clock

    task_id = world.task_of(world.start(), "t_triage")
    tokens = {user: world.client(user).environ_base["HTTP_AUTHORIZATION"] for user in ("anna", "ruben")}
    barrier = threading.Barrier(2)
    results = {}

    def claim(user):
        client = app.test_client()
        barrier.wait()
        with using_clock(clock), app.app_context():
            response = client.post(f"/api/v1/tasks/{task_id}/claim", headers={"Authorization": tokens[user]})
        results[user] = (response.status_code, response.json)

    threads = [threading.Thread(target=claim, args=(user,)) for user in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in results.values()) == [200, 409], results
    [winner] = [user for user, (code, _) in results.items() if code == 200]
    assert world.client("audrey").get(f"/api/v1/tasks/{task_id}").json["task"]["assignee"] == winner
