"""P3 scale-down and aftercare through the service layer: every route, every readiness rule."""

from __future__ import annotations

import pytest

from .dmn import rules
from .support import (
    ANNA,
    DRIEGESPREK,
    ESCALATIE,
    EVALUATIE,
    OVERDRACHT,
    PETRA,
    RUBEN,
    ZRM_OK,
    plus,
    working_days,
)

READINESS_RULES = rules("afschalen-gereedheid.dmn")
REQUEST = {"reden": "opschaling afgerond", "aanleiding_domeinen": ["geestelijke_gezondheid"]}

# Evaluation answers that reach each rule of afschalen-gereedheid.dmn (hit policy FIRST).
READINESS_INPUTS = {
    1: {"bewoner_wil_afschalen": False},
    2: {"zrm": {**ZRM_OK, "geestelijke_gezondheid": 2}},
    3: {"weken_zonder_crisis": 7},
    4: {"netwerk_op_orde": False},
    5: {"ontvangende_partij": "geen"},
    6: {},
}
READINESS_SAFETY_NET = {7}  # unreachable with form-valid answers (test_dmn_coverage.py)


def evaluation(journey, **changes):
    journey.start("afschalen", RUBEN, REQUEST)
    journey.complete("ut_evaluatie", RUBEN, {**EVALUATIE, **changes})


def handed_over(journey):
    evaluation(journey)
    journey.complete("ut_overdracht", RUBEN, OVERDRACHT)
    journey.complete(
        "ut_overdracht_accepteren", ANNA, {"overdracht_geaccepteerd": True, "contactpersoon": "Anna"}
    )
    journey.complete("ut_driegesprek", ANNA, DRIEGESPREK)


def test_every_readiness_rule_has_a_scenario():
    assert set(READINESS_INPUTS) | READINESS_SAFETY_NET == {r.number for r in READINESS_RULES}


@pytest.mark.parametrize("rule", [r for r in READINESS_RULES if r.number in READINESS_INPUTS], ids=str)
def test_readiness_rule(journey, clock, rule):
    journey.start("afschalen", RUBEN, REQUEST)
    assert journey.data("afschalen")["start_evaluatie"] == REQUEST
    task = journey.task("ut_evaluatie")
    assert task.candidate_groups == ["wijkteam-regie", "ggz-fact"]
    assert task.due_at == plus(clock.now, "P2W")
    journey.complete("ut_evaluatie", RUBEN, {**EVALUATIE, **READINESS_INPUTS[rule.number]})
    decided = journey.data("afschalen")
    assert {k: decided[k] for k in rule.outputs} == rule.outputs, rule.description
    if rule.outputs["gereed"]:
        assert journey.open() == ["ut_overdracht"]
        assert journey.task("ut_overdracht").candidate_groups == ["wijkteam-regie"]
    else:
        # Not ready: evaluate again in three months.
        assert journey.open() == []
        assert journey.timer("tm_herbeoordeling").due_at == plus(clock.now, "P3M")
        journey.pass_timer("tm_herbeoordeling")
        assert journey.open() == ["ut_evaluatie"]


def test_no_triggering_domains_counts_as_recovered(journey, clock):
    evaluation(journey, aanleiding_domeinen=[], zrm={**ZRM_OK, "geestelijke_gezondheid": 1})
    assert journey.data("afschalen")["laagste_aanleiding"] == 5
    assert journey.open() == ["ut_overdracht"]


def test_handover_must_be_accepted_in_five_working_days_or_it_escalates(journey, clock):
    evaluation(journey)
    journey.complete("ut_overdracht", RUBEN, OVERDRACHT)
    accept = journey.task("ut_overdracht_accepteren")
    assert accept.candidate_groups == ["wijkteam-triage", "peer-expert"]
    assert journey.visible_to("ut_overdracht_accepteren") == {"anna", "petra"}
    assert accept.due_at == working_days(clock.now, 5)
    assert journey.timer("bt_overdracht").due_at == plus(clock.now, "P7D")
    assert journey.advance(days=7) == 0
    journey.advance(seconds=1)
    assert journey.open() == ["ut_esc_overdracht_accepteren", "ut_overdracht_accepteren"]
    assert journey.task("ut_esc_overdracht_accepteren").candidate_groups == ["wijkteam-regie"]
    journey.complete("ut_esc_overdracht_accepteren", RUBEN, ESCALATIE)
    # Not accepted: prepare a handover to someone else.
    journey.complete(
        "ut_overdracht_accepteren",
        PETRA,
        {"overdracht_geaccepteerd": False, "reden_niet_geaccepteerd": "geen capaciteit"},
    )
    assert journey.open() == ["ut_overdracht"]
    journey.complete(
        "ut_overdracht", RUBEN, {**OVERDRACHT, "ontvanger": "poh_ggz", "ontvanger_naam": "POH Zuid"}
    )
    journey.complete(
        "ut_overdracht_accepteren", ANNA, {"overdracht_geaccepteerd": True, "contactpersoon": "POH"}
    )
    meeting = journey.task("ut_driegesprek")
    assert meeting.candidate_groups == ["wijkteam-regie", "wijkteam-triage"]
    assert meeting.due_at == plus(clock.now, "P2W")


@pytest.mark.parametrize("terugval_na", [None, "2w", "3m"])
def test_aftercare_at_two_weeks_and_three_months_and_relapse(journey, clock, terugval_na):
    handed_over(journey)
    handover = clock.now
    assert journey.open() == []
    assert journey.timer("tm_nazorg_2w").due_at == plus(handover, "P2W")
    journey.advance(weeks=2, seconds=1)
    contact = journey.task("ut_nazorg_2w")
    assert contact.candidate_groups == ["wijkteam-triage", "peer-expert"]
    assert contact.due_at == plus(clock.now, "P3D")
    relapse = {"terugval": True, "signalen": ["gemiste_contacten"], "urgentie": "24u"}
    if terugval_na == "2w":
        journey.complete("ut_nazorg_2w", PETRA, relapse)
    else:
        journey.complete("ut_nazorg_2w", PETRA, {"terugval": False})
        assert journey.timer("tm_nazorg_3m").due_at == plus(clock.now, "P10W")
        journey.advance(weeks=10, seconds=1)  # about three months after the handover
        journey.complete("ut_nazorg_3m", ANNA, relapse if terugval_na else {"terugval": False})
    assert journey.status("afschalen") == "completed"
    signals = journey.messages("terugvalsignaal")
    if terugval_na is None:
        assert signals == [] and journey.open() == []
        return
    reden = {"2w": "terugval na 2 weken nazorg", "3m": "terugval na 3 maanden nazorg"}[terugval_na]
    assert [s.payload for s in signals] == [{"reden": reden, "urgentie": "24u"}]
    # The relapse starts a new scale-up in the same case.
    assert journey.data("opschalen")["terugvalsignaal"] == {"reden": reden, "urgentie": "24u"}
    assert journey.open() == ["ut_signaal"]
