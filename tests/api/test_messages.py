"""POST /messages: start or continue pathways, idempotency (also under a race), who may send."""

import threading

import pytest

from app.services.access import identity
from app.services.instances import deliveries
from tests.api.conftest import assert_problem


@pytest.fixture
def messaging(world, deploy):
    deploy("messages.bpmn")
    identity.add_user("huisarts-systeem", roles=["system"], organisation="netwerk")
    return world


def test_a_message_starts_a_pathway_and_says_where(messaging):
    response = messaging.client("huisarts-systeem").post(
        "/api/v1/messages",
        json={"name": "verzoek", "payload": {"subject": {"displayName": "Dhr. Bericht"}}},
    )
    assert response.status_code == 201, response.json
    assert response.json["status"] == "delivered" and response.json["instanceId"]
    detail = messaging.client("admin").get(f"/api/v1/process-instances/{response.json['instanceId']}").json
    assert detail["processKey"] == "receiver" and detail["subject"]["displayName"] == "Dhr. Bericht"


def test_a_message_without_receiver_is_queued(messaging):
    response = messaging.client("anna").post(
        "/api/v1/messages", json={"name": "antwoord", "correlationKeys": {"case": "Z-NIEMAND"}}
    )
    assert response.status_code == 201 and response.json["status"] == "queued"
    assert response.json["instanceId"] is None


def test_a_retry_with_the_same_key_never_delivers_twice(messaging):
    client = messaging.client("huisarts-systeem")
    first = client.post("/api/v1/messages", json={"name": "verzoek"}, headers={"Idempotency-Key": "hk-1"})
    again = client.post("/api/v1/messages", json={"name": "verzoek"}, headers={"Idempotency-Key": "hk-1"})
    by_field = client.post("/api/v1/messages", json={"name": "verzoek", "idempotencyKey": "hk-1"})
    assert first.status_code == 201 and again.status_code == 200 and by_field.status_code == 200
    assert first.json["id"] == again.json["id"] == by_field.json["id"]
    assert messaging.client("admin").get("/api/v1/process-instances?processKey=receiver").json["total"] == 1
    reused = client.post("/api/v1/messages", json={"name": "antwoord"}, headers={"Idempotency-Key": "hk-1"})
    assert_problem(reused, 409)


def test_the_race_between_two_identical_requests_is_settled_by_the_unique_key(messaging, monkeypatch):
    """The second request's look-up misses (the first has not committed yet); its insert loses."""
    client = messaging.client("huisarts-systeem")
    first = client.post("/api/v1/messages", json={"name": "verzoek", "idempotencyKey": "race"}).json
    real = deliveries._by_idempotency_key
    calls = []

    def miss_once(key):
        calls.append(key)
        return None if len(calls) == 1 else real(key)

    monkeypatch.setattr(deliveries, "_by_idempotency_key", miss_once)
    second = client.post("/api/v1/messages", json={"name": "verzoek", "idempotencyKey": "race"})
    assert second.status_code == 200 and second.json["id"] == first["id"] and len(calls) == 2
    assert messaging.client("admin").get("/api/v1/process-instances?processKey=receiver").json["total"] == 1


def test_concurrent_identical_requests_deliver_once(messaging, app, database_url, clock):
    from app.engine.clock import using_clock

    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the race is exercised above and on PostgreSQL")
    token = messaging.tokens.get("huisarts-systeem") or identity.issue_token("huisarts-systeem")
    barrier = threading.Barrier(4)
    results = []

    def send():
        client = app.test_client()
        barrier.wait()
        with using_clock(clock), app.app_context():  # the test clock is per thread
            response = client.post(
                "/api/v1/messages",
                json={"name": "verzoek", "idempotencyKey": "tegelijk"},
                headers={"Authorization": f"Bearer {token}"},
            )
        results.append((response.status_code, response.json.get("id"), response.json))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _, _ in results) == [200, 200, 200, 201], results
    assert len({message_id for _, message_id, _ in results}) == 1
    assert messaging.client("admin").get("/api/v1/process-instances?processKey=receiver").json["total"] == 1


@pytest.mark.parametrize("user", ["audrey", "olaf"])
def test_readers_and_process_owners_may_not_send(messaging, user):
    assert_problem(messaging.client(user).post("/api/v1/messages", json={"name": "verzoek"}), 403)


def test_message_validation(messaging):
    client = messaging.client("anna")
    assert "name" in assert_problem(client.post("/api/v1/messages", json={}), 422)["errors"]
    bad_keys = {"name": "verzoek", "correlationKeys": {"bsn": "123"}}
    errors = assert_problem(client.post("/api/v1/messages", json=bad_keys), 422)["errors"]
    assert list(errors) == ["correlationKeys/bsn"]


def test_a_system_account_never_gets_the_engines_powers(messaging):
    messaging.start()
    system = messaging.client("huisarts-systeem")
    assert system.get("/api/v1/tasks").json["total"] == 0
    assert system.get("/api/v1/process-instances").json["total"] == 0
    assert_problem(system.post("/api/v1/process-instances", json={"processKey": "inbox"}), 403)
