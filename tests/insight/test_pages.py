"""The insight web pages: who gets which page, Dutch and English, CSV downloads, readable errors."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEvent
from tests.insight.region import Region

PAGES = (
    "/insight",
    "/insight?by=month",
    "/insight/norms/eerste-contact",
    "/insight/durations",
    "/insight/routes",
)


def _login(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": "zorgpad-demo", "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def period(insight, pathways, db, clock):
    start = clock.now
    Region(clock, seed=8).run(residents=8, spread_days=5, until=start + timedelta(days=120))
    insight.refresh()
    return f"since={start.date().isoformat()}&until={clock.now.date().isoformat()}"


def test_the_pages_for_each_scope_in_dutch_and_english(app, period):
    for user in ("olaf", "nina", "fatima", "vera"):
        client = _login(app, user)
        for path in PAGES:
            response = client.get(f"{path}{'&' if '?' in path else '?'}{period}")
            assert response.status_code == 200, (user, path)
            html = response.get_data(as_text=True)
            assert 'href="/insight"' in html and "Inzicht" in html  # the header link
            assert "cdn" not in html.lower()
        english = client.get(f"/insight?lang=en&{period}").get_data(as_text=True)
        assert "Pathway insight" in english and "What the figures mean" in english
        dutch = client.get(f"/insight?lang=nl&{period}").get_data(as_text=True)
        assert "Inzicht in de zorgpaden" in dutch and "Wat de cijfers betekenen" in dutch
    assert "Leersessie" not in _login(app, "olaf").get(f"/insight?{period}").get_data(as_text=True)
    assert "Leersessie" in _login(app, "fatima").get(f"/insight?{period}").get_data(as_text=True)


def test_csv_downloads_hold_the_tables_and_are_logged_as_exports(app, db, period):
    client = _login(app, "olaf")
    for page, table in (("overview", "compliance"), ("durations", "steps"), ("routes", "variants"),
                        ("norm-eerste-contact", "week")):  # fmt: skip
        response = client.get(f"/insight/{page}/{table}.csv?{period}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert len(rows) > 1 and len({len(r) for r in rows}) == 1, (page, table)
    db.session.expire_all()
    exported = (
        db.session.execute(
            select(AuditEvent.object_id)
            .where(AuditEvent.event_type == "insight.exported")
            .order_by(AuditEvent.seq)
        )
        .scalars()
        .all()
    )
    assert exported == ["compliance", "durations", "routes", "compliance"]
    assert client.get(f"/insight/overview/nothing.csv?{period}").status_code == 404


def test_errors_are_readable_pages(app, period):
    client = _login(app, "olaf")
    response = client.get("/insight?since=gisteren")
    assert response.status_code == 422 and "Geen datum: gisteren" in response.get_data(as_text=True)
    assert client.get("/insight?since=2026-05-01&until=2026-04-01").status_code == 422
    assert client.get("/insight/norms/onbekend").status_code == 404
    assert client.get("/insight/durations?process=onbekend").status_code == 404
    assert _login(app, "audrey").get("/insight").status_code == 403
    assert _login(app, "vera").get("/insight?by=team").status_code == 403
    assert _login(app, "vera").get("/insight/learning").status_code == 403
