"""Every norm's figures, as the API answers them, recomputed independently from the raw history:
for the long-journey scenario and for a generated region."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from app.services.insight.norms import NORMS
from tests.insight import recompute
from tests.insight.region import Region
from tests.scenarios.support import Journey
from tests.scenarios.test_long_journey import test_report_to_relapse_and_scale_up_again as walk_long_journey

FIGURES = ("measured", "residents", "stopped", "met", "decided", "open", "atRisk", "overdue")
TIMES = ("shareMet", "medianSeconds", "p90Seconds")


def _same(expected: dict, cell: dict, where: str) -> None:
    for name in FIGURES:
        assert cell[name] == expected[name], (where, name, cell, expected)
    for name in TIMES:
        if expected[name] is None:
            assert cell[name] is None, (where, name)
        else:
            assert cell[name] == pytest.approx(expected[name], abs=1e-3), (where, name, cell, expected)


def _check_totals(insight, db, clock, period: dict) -> dict:
    measured = recompute.measurements(db.session)
    answer = insight.get("olaf", "/api/v1/insight/compliance", by="total", **period)
    cells = {cell["norm"]: cell for cell in answer["cells"]}
    by_norm = defaultdict(list)
    for m in measured:
        by_norm[m.norm].append(m)
    for norm in NORMS:
        expected = recompute.figures(by_norm[norm.key], clock.now)
        if expected["measured"] == 0:
            assert norm.key not in cells, norm.key
            continue
        _same(expected, cells[norm.key], norm.key)
    return by_norm


def test_the_long_journey_shows_its_norms_as_the_history_has_them(insight, db, clock):
    start = clock.now
    walk_long_journey(Journey(db, clock), clock)
    assert insight.refresh() > 0
    period = {"since": start.date().isoformat(), "until": clock.now.date().isoformat()}
    by_norm = _check_totals(insight, db, clock, period)
    # The journey's own clocks: first contact after a day, the signal, the handover in two days,
    # both aftercare contacts on time; the second scale-up's signal is still open.
    shown = {key for key, items in by_norm.items() if items}
    assert shown == {"eerste-contact", "signaal", "overdracht", "nazorg-2w", "nazorg-3m"}
    signal = insight.get("olaf", "/api/v1/insight/compliance", norm="signaal", **period)["cells"]
    assert signal[0]["measured"] == 2 and signal[0]["open"] == 1 and signal[0]["stopped"] == 1


def test_a_generated_region_shows_every_norm_as_the_history_has_it(insight, pathways, db, clock):
    start = clock.now
    Region(clock, seed=22).run(residents=48, spread_days=60, until=start + timedelta(days=165))
    insight.refresh()
    period = {"since": start.date().isoformat(), "until": clock.now.date().isoformat()}
    by_norm = _check_totals(insight, db, clock, period)
    for norm in NORMS:  # every norm has figures, some met and some not
        figures = recompute.figures(by_norm[norm.key], clock.now)
        assert figures["stopped"] > 0, norm.key
    missed = [
        n.key for n in NORMS if recompute.figures(by_norm[n.key], clock.now)["met"] < len(by_norm[n.key])
    ]
    assert len(missed) >= 8, missed
    total = recompute.figures([m for items in by_norm.values() for m in items], clock.now)
    assert total["open"] > 0 and total["atRisk"] > 0 and total["overdue"] > 0, total

    # Per week and per wijk, the cells add up to the same independent figures.
    places = recompute.places(db.session)
    for by, key in (("week", lambda m: recompute.week(m.started)), ("wijk", lambda m: places[m.case_id][1])):
        answer = insight.get("olaf", "/api/v1/insight/compliance", by=by, **period)
        for cell in answer["cells"]:
            items = [m for m in by_norm[cell["norm"]] if key(m) == cell["group"]]
            _same(recompute.figures(items, clock.now), cell, f"{by} {cell['norm']} {cell['group']}")
    # Per organisation: the lane's organisation of the norm's responsible step.
    answer = insight.get("olaf", "/api/v1/insight/compliance", by="organisation", **period)
    for cell in answer["cells"]:
        assert cell["group"] == recompute.organisations_of_lanes(db.session, cell["norm"]), cell
