"""Fixtures for the scenario tests: the real pathways deployed, one resident's case."""

from __future__ import annotations

import pytest

from .support import Journey


@pytest.fixture
def journey(db, clock):
    return Journey(db, clock)
