"""Identity test fixtures: the demo organisations and users (fast password hashes)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from app.services.access import demo, identity


def fast_hash(password: str) -> str:
    # Demo passwords need not be expensive to hash in tests; logins still check them for real.
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture
def people(db, clock, monkeypatch):
    """The demo users of every organisation and role."""
    monkeypatch.setattr(identity, "generate_password_hash", fast_hash)
    demo.seed()
    return clock
