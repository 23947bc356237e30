"""The login rate limit: per user name AND per address, counted in one store for every worker and
node: the database by default, Redis when configured (issue 18, item 5)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from app.services.access.throttle import DatabaseThrottle, Rate, RedisThrottle, keys_for, throttle_for
from app.web.security import THROTTLE
from tests.web.conftest import csrf_token

REDIS_URL = os.environ.get("ZORGPAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_rates_parse_and_bad_settings_are_refused():
    assert Rate.parse("5 per minute") == Rate(5, 60)
    assert Rate.parse("20 per 10 minutes") == Rate(20, 600)
    assert Rate.parse("100/hour") == Rate(100, 3600)
    for bad in ("", "vijf per minuut", "0 per minute", "5 per fortnight"):
        with pytest.raises(ValueError):
            Rate.parse(bad)
    with pytest.raises(ValueError, match="database"):
        throttle_for("memory://", "5 per minute", "20 per minute")


def _redis_throttle(rates):
    throttle = RedisThrottle(REDIS_URL, rates, prefix=f"zorgpad-test:{uuid.uuid4().hex}:")
    try:
        throttle.client.ping()
    except Exception as exc:  # noqa: BLE001 - any connection failure
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_URL} is required in CI: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    return throttle


@pytest.fixture(params=["database", "redis"])
def throttle(request, db, clock):
    rates = {"user": Rate(3, 60), "addr": Rate(5, 60)}
    if request.param == "database":
        return DatabaseThrottle(rates)
    if db.engine.dialect.name != "sqlite":
        pytest.skip("Redis is the same store whichever database runs")
    return _redis_throttle(rates)


def test_failures_per_user_name_and_per_address(throttle, clock):
    keys = keys_for("Anna ", "10.0.0.1")
    assert keys == ("user:anna", "addr:10.0.0.1")
    for _ in range(3):
        assert throttle.reserve(keys).allowed  # kept: three failures
    refused = throttle.reserve(keys)
    assert not refused.allowed and 0 < refused.retry_after <= 60
    throttle.release(refused)
    # The same name from elsewhere is limited too: the name is what is guessed at.
    assert not throttle.reserve(keys_for("anna", "10.9.9.9")).allowed
    # Spraying one password over other names from the same address: limited by the address.
    assert throttle.reserve(keys_for("bram", "10.0.0.1")).allowed
    assert throttle.reserve(keys_for("bea", "10.0.0.1")).allowed
    assert not throttle.reserve(keys_for("greet", "10.0.0.1")).allowed
    clock.advance(seconds=61)  # the window moved on
    assert throttle.reserve(keys_for("anna", "10.0.0.1")).allowed


def test_successes_and_refusals_give_their_attempt_back(throttle):
    keys = keys_for("ruben", "10.0.0.2")
    for _ in range(10):
        throttle.release(throttle.reserve(keys))  # ten good logins: nothing counts
    assert throttle.reserve(keys).allowed


def test_a_parallel_burst_gets_no_more_tries_than_the_limit(throttle, app):
    """Counted before the password is checked: 20 guesses at once still get 3 tries."""
    keys = keys_for(f"burst-{uuid.uuid4().hex[:6]}", "10.0.0.3")
    results, barrier = [], threading.Barrier(20)

    def guess():
        with app.app_context():
            barrier.wait()
            reservation = throttle.reserve(keys)
            results.append(reservation.allowed)
            if not reservation.allowed:
                throttle.release(reservation)
            from app.extensions import db

            db.session.remove()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 20 and results.count(True) <= 3


def test_the_login_page_uses_redis_when_configured(app, people, monkeypatch):
    redis_throttle = _redis_throttle({"user": Rate(2, 60), "addr": Rate(50, 60)})
    monkeypatch.setitem(app.extensions, THROTTLE, redis_throttle)
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    statuses = [
        client.post("/login", data={"username": "koen", "password": "fout", "csrf_token": token}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
    assert redis_throttle.client.zcard(redis_throttle.prefix + "user:koen") == 2
    response = client.post("/login", data={"username": "koen", "password": "fout", "csrf_token": token})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
