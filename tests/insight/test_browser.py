"""The insight pages in a real browser (Debian's Chromium): the heat overlay on the bpmn-js
diagram shows exactly what the table says, and the charts draw from their tables."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import MovableClock
from tests.web.browser import CHROMIUM, chromium, log_in, make_demo_app, serving

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERIOD = "since=2026-03-01&until=2026-09-30"


@pytest.fixture(scope="module")
def insight_app(tmp_path_factory):
    from app.engine.clock import using_clock
    from app.services.insight import rollup
    from tests.insight.region import Region

    app = make_demo_app(tmp_path_factory.mktemp("insight") / "zorgpad.db")
    clock = MovableClock(START)
    with app.app_context(), using_clock(clock):
        Region(clock, seed=11).run(residents=16, spread_days=15, until=START + timedelta(days=160))
        rollup.refresh(grace=timedelta(0))
    return app


@pytest.fixture(scope="module")
def base_url(insight_app):
    with serving(insight_app) as url:
        yield url


@pytest.fixture
def page(base_url):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page


def test_the_heat_overlay_shows_what_the_table_says(base_url, page, tmp_path):
    log_in(page, base_url, "olaf")
    page.goto(f"{base_url}/insight/durations?process=triage&{PERIOD}")
    page.wait_for_selector(".insight-diagram[data-rendered=true]")
    rows = page.eval_on_selector_all(
        "#steps-table tbody tr",
        """rows => rows.map(r => ({element: r.dataset.element, cells: Object.fromEntries(
             [...r.querySelectorAll('td')].map(td => [td.dataset.name, td.textContent.trim()]))}))""",
    )
    badges = page.eval_on_selector_all(
        ".heat-badge", "els => els.map(e => ({element: e.dataset.element, text: e.textContent}))"
    )
    assert rows and len(badges) == len(rows)
    shown = {b["element"]: b["text"] for b in badges}
    for row in rows:
        cells = row["cells"]
        wait, work = cells["waitMedianSeconds"], cells["workMedianSeconds"]
        expected = f"n={cells['created']} · wachten {wait} · werken {work}"
        assert shown[row["element"]] == expected, row
    # Every step has its heat class; the longest step the hottest.
    marked = page.eval_on_selector_all(
        ".djs-element[class*=heat-]",
        "els => els.map(e => [e.dataset.elementId, [...e.classList].find(c => c.startsWith('heat-'))])",
    )
    assert {element for element, _ in marked} == set(shown) and "heat-4" in {heat for _, heat in marked}
    # Gateway and decision shares on their outgoing flows, as in the flows table.
    flows = page.eval_on_selector_all(
        "#flows-table tbody tr",
        """rows => rows.map(r => [r.dataset.element,
                                  r.querySelector('td[data-name=share]').textContent.trim()])""",
    )
    flow_badges = page.eval_on_selector_all(
        ".flow-badge", "els => els.map(e => [e.dataset.element, e.textContent.split(' ')[0]])"
    )
    assert flows and sorted(flow_badges) == sorted(flows)
    page.screenshot(path=str(tmp_path / "durations.png"), full_page=False)


def test_charts_draw_from_their_tables_and_csv_matches(base_url, page):
    log_in(page, base_url, "olaf")
    page.goto(f"{base_url}/insight?{PERIOD}")
    page.wait_for_selector("canvas[data-chart][data-rendered=true]")
    values = page.evaluate(
        """() => {
          const canvas = document.querySelector('canvas[data-chart]');
          const chart = Chart.getChart(canvas);
          return {labels: chart.data.labels, data: chart.data.datasets[0].data};
        }"""
    )
    table = page.eval_on_selector_all(
        "#compliance-table tbody tr",
        """rows => rows.map(r => [r.querySelector('td[data-name=normTitle]').textContent.trim(),
                                  r.querySelector('td[data-name=shareMet]').dataset.value])""",
    )
    assert values["labels"] == [name for name, _ in table]
    assert values["data"] == [round(float(v) * 1000) / 10 if v is not None else None for _, v in table]
    with page.expect_download() as download:
        page.click("#compliance a.csv")
    with open(download.value.path(), encoding="utf-8") as csv_file:
        text = csv_file.read()
    assert text.splitlines()[0].startswith("Norm,Gemeten,Bewoners") or text.splitlines()[0].startswith(
        "Norm,"
    )
    assert len(text.splitlines()) == len(table) + 1


def test_the_insurer_page_shows_small_cells_as_under_k(base_url, page):
    log_in(page, base_url, "vera")
    page.goto(f"{base_url}/insight?by=wijk&{PERIOD}")
    cells = page.eval_on_selector_all(
        "#compliance-table td.col-count", "tds => tds.map(td => td.textContent.trim())"
    )
    assert cells and "< 5" in cells
    assert all(c == "< 5" or int(c) >= 5 for c in cells), cells
    assert "Bewoner " not in page.content()
