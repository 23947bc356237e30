"""ZORGPAD_TRUSTED_PROXIES: the recorded (NEN 7513) address is the client's behind trusted
proxies, through werkzeug's ProxyFix; forwarded headers from anyone else are ignored."""

from __future__ import annotations

import pytest

from app.models import AuditEvent
from app.proxies import TrustedProxies, parse_setting
from app.services.access import identity


def _environ(remote, forwarded=None, proto=None):
    environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": "http", "HTTP_HOST": "zorgpad.test"}
    if forwarded:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    if proto:
        environ["HTTP_X_FORWARDED_PROTO"] = proto
    return environ


def _seen(setting, environ):
    seen = {}

    def app(env, start_response):
        seen.update(env)
        return []

    TrustedProxies(app, setting)(environ, lambda *a: None)
    return seen


def test_settings_parse():
    assert parse_setting("") == (0, ())
    assert parse_setting("2") == (2, ())
    count, networks = parse_setting("10.0.0.5, 10.1.0.0/16,::1")
    assert count == 0 and [str(n) for n in networks] == ["10.0.0.5/32", "10.1.0.0/16", "::1/128"]
    with pytest.raises(ValueError, match="ZORGPAD_TRUSTED_PROXIES"):
        parse_setting("de-balancer")


def test_without_the_setting_forwarded_headers_are_dropped():
    seen = _seen("", _environ("192.0.2.9", "203.0.113.7", "https"))
    assert seen["REMOTE_ADDR"] == "192.0.2.9" and seen["wsgi.url_scheme"] == "http"
    assert "HTTP_X_FORWARDED_FOR" not in seen and "HTTP_X_FORWARDED_PROTO" not in seen


def test_a_hop_count():
    seen = _seen("1", _environ("10.0.0.5", "198.51.100.1, 203.0.113.7", "https"))
    assert seen["REMOTE_ADDR"] == "203.0.113.7" and seen["wsgi.url_scheme"] == "https"
    assert _seen("2", _environ("10.0.0.5", "198.51.100.1, 203.0.113.7"))["REMOTE_ADDR"] == "198.51.100.1"


def test_addresses_trust_only_those_peers_and_walk_past_every_trusted_hop():
    setting = "10.0.0.5, 10.1.0.0/16"
    # The balancer (10.0.0.5) behind an inner proxy (10.1.2.3): the client is the first other address.
    seen = _seen(setting, _environ("10.0.0.5", "6.6.6.6, 203.0.113.7, 10.1.2.3"))
    assert seen["REMOTE_ADDR"] == "203.0.113.7"  # 6.6.6.6 is what the client claimed: not believed
    # A client talking to the service directly cannot forge its address.
    direct = _seen(setting, _environ("198.51.100.20", "10.0.0.99", "https"))
    assert direct["REMOTE_ADDR"] == "198.51.100.20" and direct["wsgi.url_scheme"] == "http"
    assert "HTTP_X_FORWARDED_FOR" not in direct


@pytest.mark.parametrize(
    ("setting", "remote", "expected"),
    [
        ("", "10.0.0.5", "10.0.0.5"),
        ("1", "10.0.0.5", "203.0.113.7"),
        ("10.0.0.5", "10.0.0.5", "203.0.113.7"),
        ("10.0.0.5", "10.0.0.6", "10.0.0.6"),
    ],
)
def test_the_nen_7513_row_records_the_clients_address(app, db, clock, monkeypatch, setting, remote, expected):
    monkeypatch.setattr(app, "wsgi_app", TrustedProxies(app.wsgi_app.app, setting))
    identity.add_user("sanne", roles=["professional"], organisation="wijkteam-noord")
    client = app.test_client()
    client.environ_base.update(
        {
            "HTTP_AUTHORIZATION": f"Bearer {identity.issue_token('sanne')}",
            "REMOTE_ADDR": remote,
            "HTTP_X_FORWARDED_FOR": "203.0.113.7",
        }
    )
    assert client.get("/api/v1/tasks").status_code == 200
    db.session.expire_all()
    [row] = db.session.query(AuditEvent).filter_by(event_type="task.searched").all()
    assert row.address == expected
