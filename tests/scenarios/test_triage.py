"""P1 triage through the service layer: every gateway route and every rule of the triage DMN.

Each test is one resident's case: a GP reports, the neighbourhood team takes it from there.
Who gets a task is read from the inbox of demo-like actors; due dates are checked against
the movable clock; deadlines are passed by moving the clock and firing due timers.
"""

from __future__ import annotations

import pytest

from .dmn import rules
from .support import (
    ANNA,
    CASUSOVERLEG,
    CRISIS,
    EERSTE_CONTACT,
    ESCALATIE,
    FATIMA,
    GREET,
    HUISARTS,
    KOEN,
    MELDING,
    PETRA,
    PLAN,
    RUBEN,
    VRAAGVERKENNING,
    WILMA,
    WIM,
    WVGGZ,
    ZRM_OK,
    plus,
    working_days,
)

TRIAGE_RULES = rules("triage-urgentie-route.dmn")


def report(journey, **melding):
    """A GP reports; the neighbourhood team records the report."""
    journey.start(
        "triage", HUISARTS, {"vraag": "Mijn patiënt redt het thuis niet meer", "melder": "huisarts"}
    )
    journey.complete("ut_melding", ANNA, {**MELDING, **melding}, claim=True)


def intake(journey, zrm=None, vier_d=("praktisch",), **extra):
    """Report, first contact and question exploration: the DMN has decided afterwards."""
    report(journey)
    journey.complete("ut_eerste_contact", ANNA, EERSTE_CONTACT)
    data = {**VRAAGVERKENNING, "zrm": {**ZRM_OK, **(zrm or {})}, "vier_d_knelpunten": list(vier_d), **extra}
    journey.complete("ut_vraagverkenning", PETRA, data)


# --------------------------------------------------------------------------- the report
def test_first_contact_escalation_counts_working_days_over_a_weekend(journey, clock):
    clock.advance(days=3)  # Thursday
    journey.start("triage", HUISARTS, {"vraag": "Geen contact meer", "melder": "buren"})
    journey.complete("ut_melding", ANNA, MELDING, claim=True)
    reported = clock.now
    assert journey.timer("bt_eerste_contact").due_at == plus(reported, "P4D")  # Monday
    assert journey.task("ut_eerste_contact").due_at == working_days(reported, 2)
    assert journey.advance(days=3) == 0  # Sunday: the weekend does not count
    assert journey.open() == ["ut_eerste_contact"]
    journey.advance(days=1, seconds=1)
    assert journey.open() == ["ut_eerste_contact", "ut_esc_eerste_contact"]


def test_report_is_recorded_by_triage_and_first_contact_escalates_after_two_days(journey, clock):
    start = clock.now
    journey.start("triage", HUISARTS, {"vraag": "Buren maken zich zorgen", "melder": "buren"})
    assert journey.status("triage") == "running"
    assert journey.data("triage")["melding"] == {"vraag": "Buren maken zich zorgen", "melder": "buren"}
    melding = journey.task("ut_melding")
    assert melding.candidate_groups == ["wijkteam-triage"]
    assert journey.visible_to("ut_melding") == {"anna"}  # not the GP, not the FACT team
    assert (melding.due_at, melding.priority) == (plus(start, "PT4H"), 75)

    journey.advance(hours=1)
    journey.complete("ut_melding", ANNA, MELDING, claim=True)
    contact = journey.task("ut_eerste_contact")
    assert contact.candidate_groups == ["wijkteam-triage"]
    assert contact.due_at == working_days(clock.now, 2)  # Monday 10:00 -> Wednesday 10:00
    assert journey.timer("bt_eerste_contact").due_at == working_days(clock.now, 2)

    assert journey.advance(days=1, hours=23, minutes=59) == 0
    assert journey.open() == ["ut_eerste_contact"]
    journey.advance(minutes=1, seconds=1)  # just past due: the engine fires when due < now
    # Non-interrupting: the first contact stays open, the case director gets an escalation.
    assert journey.open() == ["ut_eerste_contact", "ut_esc_eerste_contact"]
    escalation = journey.task("ut_esc_eerste_contact")
    assert escalation.candidate_groups == ["wijkteam-regie"]
    assert journey.visible_to("ut_esc_eerste_contact") == {"ruben"}
    assert (escalation.due_at, escalation.priority) == (plus(clock.now, "PT4H"), 90)
    assert journey.advance(days=30) == 0  # fired once
    journey.complete("ut_esc_eerste_contact", RUBEN, ESCALATIE)
    assert journey.open() == ["ut_eerste_contact"]

    journey.complete("ut_eerste_contact", ANNA, EERSTE_CONTACT)
    verkenning = journey.task("ut_vraagverkenning")
    assert verkenning.candidate_groups == ["wijkteam-triage", "peer-expert"]
    assert journey.visible_to("ut_vraagverkenning") == {"anna", "petra"}
    assert verkenning.due_at == plus(clock.now, "P2W")


def test_first_contact_in_time_leaves_no_escalation(journey, clock):
    report(journey)
    journey.advance(days=1)
    journey.complete("ut_eerste_contact", ANNA, EERSTE_CONTACT)
    journey.advance(days=3)
    assert journey.open() == ["ut_vraagverkenning"]


# --------------------------------------------------------------------------- acute signals
@pytest.mark.parametrize(
    ("urgentie", "norm", "priority"), [("1u", "PT1H", 100), ("4u", "PT4H", 90), ("24u", "PT24H", 75)]
)
def test_acute_report_goes_to_the_crisis_service_with_its_urgency(journey, clock, urgentie, norm, priority):
    report(journey, acute_signalen=["suicidaliteit", "gevaar_zelf"], urgentie=urgentie)
    [alarm] = journey.messages("crisismelding")
    assert alarm.payload == {"urgentie": urgentie, "signalen": ["suicidaliteit", "gevaar_zelf"]}
    assert alarm.status == "delivered"
    assert journey.open("triage") == []  # triage waits for the assessment
    assessment = journey.task("ut_crisisbeoordeling")
    assert journey.instance("crisisbeoordeling").case_id == journey.case_id
    assert assessment.candidate_groups == ["ggz-crisis"]
    assert journey.visible_to("ut_crisisbeoordeling") == {"koen"}
    assert (assessment.due_at, assessment.priority) == (plus(clock.now, norm), priority)
    assert journey.timer("bt_crisisbeoordeling").due_at == plus(clock.now, norm)

    journey.advance(hours=int(norm[2:-1]), seconds=1)
    assert journey.open() == ["ut_crisisbeoordeling", "ut_esc_crisisbeoordeling"]
    assert journey.task("ut_esc_crisisbeoordeling").candidate_groups == ["wijkteam-regie"]
    journey.complete("ut_crisisbeoordeling", KOEN, CRISIS, claim=True)
    journey.complete("ut_esc_crisisbeoordeling", RUBEN, ESCALATIE)
    assert journey.status("crisisbeoordeling") == "completed"
    # The answer comes back to triage within the case; it continues with the first contact.
    [answer] = journey.messages("crisis-beoordeeld")
    assert answer.target_instance_id == journey.instance("triage").id
    assert journey.data("triage")["crisis_beoordeeld"] == {
        "uitkomst": "geen_acute_crisis",
        "vervolg": "terug_naar_wijkteam",
    }
    assert journey.open() == ["ut_eerste_contact"]


def test_crisis_assessment_can_scale_up_straight_away(journey, clock):
    report(journey, acute_signalen=["psychose_gevaar"], urgentie="4u")
    journey.complete(
        "ut_crisisbeoordeling", KOEN, {**CRISIS, "uitkomst": "vrijwillige_opname", "vervolg": "opschalen"}
    )
    assert journey.status("triage") == "completed"
    [request] = journey.messages("opschaalverzoek")
    assert request.payload == {"reden": "crisisbeoordeling", "urgentie": "4u"}
    assert journey.data("opschalen")["opschaalverzoek"] == request.payload
    assert journey.open() == ["ut_signaal"]
    assert journey.task("ut_signaal").candidate_groups == ["wijkteam-regie", "ggz-fact"]


# --------------------------------------------------------------------------- the decision
# Intake data that reaches each rule of triage-urgentie-route.dmn (hit policy FIRST):
# (ZRM overrides, 4D domains under strain, other intake answers).
TRIAGE_INPUTS = {
    1: ({}, ["praktisch"], {"weigert_zorg_ernstig_nadeel": True}),
    2: ({"geestelijke_gezondheid": 2}, ["geest"], {"bekend_bij_fact": True}),
    3: ({"middelengebruik": 2}, ["lichaam"], {"bekend_bij_fact": True}),
    4: ({"geestelijke_gezondheid": 2, "huisvesting": 1}, ["geest"], {}),
    5: ({"middelengebruik": 1}, ["lichaam"], {}),
    6: ({"geestelijke_gezondheid": 2}, ["geest"], {}),
    7: ({"middelengebruik": 2}, ["lichaam"], {}),
    8: ({"financien": 1}, ["praktisch", "sociaal", "geest"], {}),
    9: ({"huisvesting": 1}, ["praktisch"], {}),
    10: ({}, ["praktisch", "sociaal", "lichaam"], {}),
    11: ({"financien": 2}, ["praktisch"], {}),
    12: ({}, ["sociaal"], {}),
}
# The last rule is a safety net: no form-valid intake reaches it (test_dmn_coverage.py).
TRIAGE_SAFETY_NET = {13}

# The first task of each route, with the groups that get it.
ROUTE_TASK = {
    "nulde_lijn": ("ut_nulde_lijn", ["peer-expert", "wijkteam-triage"]),
    "wijkteam": ("ut_plan", ["wijkteam-regie", "wijkteam-triage"]),
    "meekijkconsult": ("ut_meekijkconsult", ["ggz-fact", "verslavingszorg"]),
    "meldpunt_wvggz": ("ut_meldpunt", ["ggd-meldpunt"]),
    "opschalen": ("ut_signaal", ["wijkteam-regie", "ggz-fact"]),  # in the new opschalen instance
}


def test_every_triage_rule_has_a_scenario():
    assert set(TRIAGE_INPUTS) | TRIAGE_SAFETY_NET == {r.number for r in TRIAGE_RULES}


@pytest.mark.parametrize("rule", [r for r in TRIAGE_RULES if r.number in TRIAGE_INPUTS], ids=str)
def test_triage_rule(journey, clock, rule):
    zrm, vier_d, extra = TRIAGE_INPUTS[rule.number]
    intake(journey, zrm, vier_d, **extra)
    expected = rule.outputs
    route = expected["route"]
    if route != "opschalen":
        decided = journey.data("triage")
        assert {k: decided[k] for k in expected} == expected, rule.description
    if expected["casusoverleg"]:
        meeting = journey.task("ut_casusoverleg")
        assert meeting.candidate_groups == ["wijkteam-regie", "wijkteam-triage", "peer-expert", "ggz-fact"]
        assert meeting.due_at == plus(clock.now, "P1W")
        journey.complete("ut_casusoverleg", RUBEN, {**CASUSOVERLEG, "route": route})
    element, groups = ROUTE_TASK[route]
    assert journey.open() == [element]
    assert journey.task(element).candidate_groups == groups
    if route == "opschalen":
        assert journey.status("triage") == "completed"
        [request] = journey.messages("opschaalverzoek")
        assert request.payload == {"reden": expected["reden"], "urgentie": expected["urgentie"]}
        assert journey.data("opschalen")["opschaalverzoek"] == request.payload


def test_case_meeting_can_change_the_route_and_flag_a_learning_case(journey, clock):
    intake(journey, {}, ["praktisch", "sociaal", "lichaam"])  # rule 10: wijkteam, with a meeting
    journey.complete(
        "ut_casusoverleg",
        FATIMA,
        {
            **CASUSOVERLEG,
            "route": "nulde_lijn",
            "leercasus": True,
            "leervraag": "Wanneer is de steunkring genoeg?",
        },
    )
    assert journey.open() == ["ut_nulde_lijn"]
    data = journey.data("triage")
    assert data["leercasus"] is True and data["leervraag"].startswith("Wanneer")


# --------------------------------------------------------------------------- the routes
@pytest.mark.parametrize("meer_steun", [True, False])
def test_zeroth_line_follow_up_after_four_weeks(journey, clock, meer_steun):
    intake(journey, {}, ["sociaal"])  # everything >= 3: zeroth line
    journey.complete("ut_nulde_lijn", PETRA, {"ingezet": ["steunkring", "inloop"]})
    follow_up = journey.timer("tm_vervolg_4w")
    assert follow_up.due_at == plus(clock.now, "P4W")
    assert journey.advance(weeks=4, seconds=-1) == 0
    assert journey.open() == []
    journey.advance(seconds=2)
    contact = journey.task("ut_vervolgcontact")
    assert contact.candidate_groups == ["peer-expert", "wijkteam-triage"]
    assert contact.due_at == plus(clock.now, "P1W")
    journey.complete(
        "ut_vervolgcontact", PETRA, {"hoe_gaat_het": 4 if meer_steun else 8, "meer_steun_nodig": meer_steun}
    )
    if meer_steun:
        assert journey.open() == ["ut_plan"]
    else:
        assert journey.open() == [] and journey.status("triage") == "completed"


def test_neighbourhood_plan_without_wmo_ends_the_triage(journey, clock):
    intake(journey, {"financien": 2})
    plan = journey.task("ut_plan")
    assert plan.due_at == plus(clock.now, "P2W")
    assert journey.visible_to("ut_plan") == {"anna", "ruben"}
    journey.complete("ut_plan", RUBEN, PLAN, claim=True)
    assert journey.status("triage") == "completed"


def test_wmo_investigation_and_decision_escalate_after_six_and_two_weeks(journey, clock):
    intake(journey, {"financien": 2})
    journey.complete("ut_plan", RUBEN, {**PLAN, "wmo_voorziening_nodig": True})
    research = journey.task("ut_wmo_onderzoek")
    assert research.candidate_groups == ["gemeente-wmo"]
    assert journey.visible_to("ut_wmo_onderzoek") == {"wim"}
    assert research.due_at == plus(clock.now, "P6W")
    assert journey.timer("bt_wmo_onderzoek").due_at == plus(clock.now, "P6W")
    assert journey.advance(weeks=6, seconds=-1) == 0
    journey.advance(seconds=2)
    assert journey.open() == ["ut_esc_wmo_onderzoek", "ut_wmo_onderzoek"]
    assert journey.task("ut_esc_wmo_onderzoek").candidate_groups == ["wijkteam-regie"]
    journey.complete("ut_esc_wmo_onderzoek", RUBEN, {**ESCALATIE, "genomen_actie": "bewoner_geinformeerd"})
    journey.complete(
        "ut_wmo_onderzoek",
        WIM,
        {
            "gesprek_datum": "2026-04-14",
            "gevraagde_voorzieningen": ["begeleiding"],
            "verslag_gedeeld": True,
            "aanvraag_ingediend": True,
        },
    )
    decision = journey.task("ut_wmo_besluit")
    assert decision.candidate_groups == ["gemeente-wmo"]
    assert decision.due_at == plus(clock.now, "P2W")
    journey.advance(weeks=2, seconds=1)
    assert journey.open() == ["ut_esc_wmo_besluit", "ut_wmo_besluit"]
    journey.complete("ut_wmo_besluit", WIM, {"besluit": "toegekend", "motivering": "passend"})
    assert journey.status("triage") == "running"  # the escalation is still open
    journey.complete("ut_esc_wmo_besluit", RUBEN, ESCALATIE)
    assert journey.status("triage") == "completed"


@pytest.mark.parametrize("opschalen", [True, False])
def test_consult_advises_scale_up_or_the_neighbourhood_plan(journey, clock, opschalen):
    intake(journey, {"geestelijke_gezondheid": 2}, ["geest"])
    consult = journey.task("ut_meekijkconsult")
    assert consult.due_at == plus(clock.now, "P1W")
    assert journey.visible_to("ut_meekijkconsult") == {"fatima", "bram"}
    journey.complete("ut_meekijkconsult", FATIMA, {"advies": "FACT erbij", "advies_opschalen": opschalen})
    if opschalen:
        assert journey.status("triage") == "completed"
        assert journey.messages("opschaalverzoek")[0].payload == {
            "reden": "geestelijke gezondheid <= 2",
            "urgentie": "regulier",
        }
        assert journey.open() == ["ut_signaal"]
    else:
        assert journey.open() == ["ut_plan"]


@pytest.mark.parametrize("vervolg", ["bemoeizorg", "wvggz", "opschalen"])
def test_concern_report_is_picked_up_in_two_working_days_then_routes(journey, clock, vervolg):
    intake(journey, weigert_zorg_ernstig_nadeel=True)
    journey.complete("ut_casusoverleg", RUBEN, {**CASUSOVERLEG, "route": "meldpunt_wvggz"})
    meldpunt = journey.task("ut_meldpunt")
    assert journey.visible_to("ut_meldpunt") == {"greet"}
    assert meldpunt.due_at == working_days(clock.now, 2)
    journey.advance(days=2, seconds=1)
    assert journey.open() == ["ut_esc_meldpunt", "ut_meldpunt"]
    assert journey.task("ut_esc_meldpunt").candidate_groups == ["wijkteam-regie"]
    journey.complete("ut_esc_meldpunt", RUBEN, ESCALATIE)
    journey.complete(
        "ut_meldpunt",
        GREET,
        {"opgepakt_op": "2026-03-05", "bewoner_bereikt": False, "vervolg_meldpunt": vervolg},
    )
    if vervolg == "bemoeizorg":
        assert journey.status("triage") == "completed"
    elif vervolg == "opschalen":
        assert journey.status("triage") == "completed"
        assert journey.messages("opschaalverzoek")[0].payload == {
            "reden": "zorgmijding met ernstig nadeel",
            "urgentie": "24u",
        }
        assert journey.open() == ["ut_signaal"]
    else:
        research = journey.task("ut_wvggz_onderzoek")
        assert research.candidate_groups == ["gemeente-wvggz"]
        assert journey.visible_to("ut_wvggz_onderzoek") == {"wilma"}
        assert research.due_at == plus(clock.now, "P14D")
        journey.advance(days=14, seconds=1)
        assert journey.open() == ["ut_esc_wvggz_onderzoek", "ut_wvggz_onderzoek"]
        journey.complete("ut_wvggz_onderzoek", WILMA, WVGGZ)
        journey.complete("ut_esc_wvggz_onderzoek", RUBEN, ESCALATIE)
        assert journey.status("triage") == "completed"
