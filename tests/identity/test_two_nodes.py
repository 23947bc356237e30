"""Sessions and the login rate limit across two real gunicorn nodes (2 workers each) on one
PostgreSQL, as docs/operations.md deploys them: what one node ends, the other refuses at once."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import uuid

import pytest
import requests

from tests.reliability.support import ROOT, env_for, require_postgresql, stop, wait_for
from tests.reliability.test_crash_safety import _free_port

PASSWORD = "zorgpad-demo"  # noqa: S105 - the documented demo login


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@contextlib.contextmanager
def nodes(database_url: str, tmp_path, count: int = 2, ports=None, **extra_env):
    """`count` gunicorn servers (2 workers each) with one secret key; yields their base URLs."""
    started = []
    ports = list(ports or [_free_port() for _ in range(count)])
    try:
        for n, port in enumerate(ports):
            env = env_for(
                database_url,
                ZORGPAD_SECRET_KEY="two-nodes-one-secret",
                ZORGPAD_COOKIE_SECURE="0",
                ZORGPAD_LOG_LEVEL="WARNING",
                **extra_env,
            )
            log = open(tmp_path / f"node{n}.log", "ab")  # noqa: SIM115 - closed below
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    "2",
                    "--threads",
                    "2",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append((process, log, f"http://127.0.0.1:{port}"))
        for _, _, base in started:
            wait_for(lambda base=base: requests.get(f"{base}/healthz", timeout=2).ok, 60, f"{base} up")
        yield [base for _, _, base in started]
    finally:
        for process, log, _ in started:
            stop(process)
            log.close()


def _log_in(base: str, username: str = "anna") -> requests.Session:
    browser = requests.Session()
    token = _csrf(browser.get(f"{base}/login", timeout=10).text)
    response = browser.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:300]
    return browser


def _inbox(base: str, cookies: dict) -> int:
    return requests.get(f"{base}/inbox", cookies=cookies, allow_redirects=False, timeout=10).status_code


@pytest.fixture
def seeded(db, request):
    require_postgresql(db, "two server processes share one PostgreSQL")
    request.getfixturevalue("people")
    db.session.remove()


def test_a_cookie_copied_before_logout_is_refused_on_both_nodes_right_after(seeded, database_url, tmp_path):
    with nodes(database_url, tmp_path) as (a, b):
        browser = _log_in(a)
        copied = dict(browser.cookies)  # what an attacker (or a shared computer) keeps
        assert _inbox(a, copied) == 200 and _inbox(b, copied) == 200  # one session, every node
        token = _csrf(browser.get(f"{a}/inbox", timeout=10).text)
        logout = browser.post(f"{a}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10)
        assert logout.status_code == 302
        # Right after: no waiting, no node-local state to expire.
        for base in (b, a, b, a):
            assert _inbox(base, copied) == 302, base


def test_deactivation_on_one_node_ends_the_session_on_the_other(seeded, database_url, tmp_path):
    with nodes(database_url, tmp_path) as (a, b):
        anna = dict(_log_in(a, "anna").cookies)
        admin = _log_in(b, "admin")
        assert _inbox(b, anna) == 200
        token = _csrf(admin.get(f"{b}/admin/users", timeout=10).text)
        done = admin.post(f"{b}/admin/users/anna/deactivate", data={"csrf_token": token}, timeout=10)
        assert done.status_code == 200 and "anna" in done.text
        assert _inbox(a, anna) == 302 and _inbox(b, anna) == 302


def _fail(base: str, browser: requests.Session, username: str) -> int:
    token = _csrf(browser.get(f"{base}/login", timeout=10).text)
    response = browser.post(
        f"{base}/login",
        data={"username": username, "password": "fout-wachtwoord", "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    return response.status_code


def test_the_login_limit_is_shared_by_every_worker_and_node(seeded, database_url, tmp_path):
    """5 failures a minute per user name, counted once for 2 nodes x 2 workers (not 20)."""
    with nodes(database_url, tmp_path) as (a, b):
        name = f"doelwit-{uuid.uuid4().hex[:6]}"
        browsers = [requests.Session() for _ in range(4)]  # separate connections: other workers
        statuses = [_fail((a, b)[i % 2], browsers[i % 4], name) for i in range(6)]
        assert statuses == [401] * 5 + [429], statuses
        # The right password is refused too while the name is locked, on either node.
        assert _fail(b, browsers[0], name) == 429
        refused = requests.Session()
        token = _csrf(refused.get(f"{a}/login", timeout=10).text)
        response = refused.post(
            f"{a}/login",
            data={"username": "anna", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302  # another user name from the same address still logs in


def test_one_password_sprayed_over_many_user_names_is_limited_per_address(seeded, database_url, tmp_path):
    with nodes(database_url, tmp_path, ZORGPAD_LOGIN_ADDRESS_RATE_LIMIT="8 per minute") as (a, b):
        browser = requests.Session()
        statuses = [_fail((a, b)[i % 2], browser, f"naam-{i}-{uuid.uuid4().hex[:4]}") for i in range(9)]
        assert statuses == [401] * 8 + [429], statuses
