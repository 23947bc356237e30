"""P2 scale-up (with the referral it calls) through the service layer: every gateway route."""

from __future__ import annotations

import pytest

from .support import (
    BEA,
    BRAM,
    CRISIS,
    ESCALATIE,
    FATIMA,
    KOEN,
    PLAN_HERZIEN,
    RUBEN,
    SIGNAAL,
    VERA,
    WILMA,
    WVGGZ,
    plus,
    working_days,
)

REQUEST = {"reden": "ZRM geestelijke gezondheid gedaald naar 2", "urgentie": "24u"}


def signal(journey, **changes):
    """A case director starts a scale-up by hand; the signal is assessed."""
    journey.start("opschalen", RUBEN, REQUEST)
    journey.complete("ut_signaal", RUBEN, {**SIGNAAL, **changes}, claim=True)


def test_started_by_hand_through_its_message_and_assessed_within_one_working_day(journey, clock):
    journey.start("opschalen", RUBEN, REQUEST)
    assert journey.data("opschalen")["opschaalverzoek"] == REQUEST
    assessment = journey.task("ut_signaal")
    assert assessment.candidate_groups == ["wijkteam-regie", "ggz-fact"]
    assert journey.visible_to("ut_signaal") == {"ruben", "fatima"}
    assert (assessment.due_at, assessment.priority) == (working_days(clock.now, 1), 75)
    assert journey.timer("bt_signaal").due_at == plus(clock.now, "P1D")
    journey.advance(days=1, seconds=1)
    assert journey.open() == ["ut_esc_signaal", "ut_signaal"]
    assert journey.task("ut_esc_signaal").candidate_groups == ["wijkteam-regie"]


def test_acute_signal_calls_the_crisis_service_and_continues_after_its_answer(journey, clock):
    signal(journey, acuut=True, urgentie="1u", signaal_type="vroegsignaal")
    assert journey.messages("crisismelding")[0].payload == {"urgentie": "1u", "signalen": ["vroegsignaal"]}
    assert journey.open() == ["ut_crisisbeoordeling"]
    assert journey.task("ut_crisisbeoordeling").due_at == plus(clock.now, "PT1H")
    journey.complete(
        "ut_crisisbeoordeling", KOEN, {**CRISIS, "uitkomst": "ambulante_interventie", "vervolg": "opschalen"}
    )
    assert journey.data("opschalen")["crisis_beoordeeld"]["uitkomst"] == "ambulante_interventie"
    assert journey.open() == ["ut_bordbesluit"]


def test_refusal_with_serious_harm_gets_a_wvggz_investigation_with_a_14_day_deadline(journey, clock):
    signal(journey, weigert_zorg_ernstig_nadeel=True)
    research = journey.task("ut_wvggz_onderzoek")
    assert journey.visible_to("ut_wvggz_onderzoek") == {"wilma"}
    assert research.due_at == plus(clock.now, "P14D")
    journey.advance(days=14, seconds=1)
    assert journey.open() == ["ut_esc_wvggz_onderzoek", "ut_wvggz_onderzoek"]
    assert journey.task("ut_esc_wvggz_onderzoek").candidate_groups == ["wijkteam-regie"]
    journey.complete("ut_wvggz_onderzoek", WILMA, WVGGZ)
    assert journey.open() == ["ut_bordbesluit", "ut_esc_wvggz_onderzoek"]


@pytest.mark.parametrize(
    ("verslaving", "begeleiding"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_parallel_care_branches_all_finish_before_the_plan_is_revised(
    journey, clock, verslaving, begeleiding
):
    signal(journey, verslavingszorg_nodig=verslaving, begeleiding_nodig=begeleiding)
    expected = ["ut_bordbesluit"] + ["ut_begeleiding"] * begeleiding + ["ut_verslavingszorg"] * verslaving
    assert journey.open() == sorted(expected)
    board = journey.task("ut_bordbesluit")
    assert board.candidate_groups == ["ggz-fact"] and board.due_at == plus(clock.now, "P1D")
    if verslaving:
        assert journey.visible_to("ut_verslavingszorg") == {"bram"}
        assert journey.task("ut_verslavingszorg").due_at == plus(clock.now, "P1W")
        journey.complete("ut_verslavingszorg", BRAM, {"inzet": "ambulant"})
    journey.complete("ut_bordbesluit", FATIMA, {"op_fact_bord": False, "bord_reden": "stabiel genoeg"})
    if begeleiding:
        assert journey.open() == ["ut_begeleiding"]  # the join waits for the last branch
        assert journey.visible_to("ut_begeleiding") == {"bea"}
        journey.complete("ut_begeleiding", BEA, {"inzet": "woonbegeleiding"})
    plan = journey.task("ut_plan_herzien")
    assert plan.candidate_groups == ["wijkteam-regie", "ggz-fact"]
    assert plan.due_at == plus(clock.now, "P1W")
    journey.complete("ut_plan_herzien", FATIMA, PLAN_HERZIEN)
    assert journey.status("opschalen") == "completed"
    [evaluation] = journey.messages("start-evaluatie")
    assert evaluation.payload == {
        "reden": "opschaling afgerond",
        "aanleiding_domeinen": ["geestelijke_gezondheid"],
    }
    assert journey.open() == ["ut_evaluatie"]
    assert journey.instance("afschalen").case_id == journey.case_id


def test_fact_board_loop_reviews_daily_until_off_the_board(journey, clock):
    signal(journey)
    journey.complete("ut_bordbesluit", FATIMA, {"op_fact_bord": True, "bord_reden": "dreigende ontregeling"})
    for day in range(3):
        assert journey.open() == []
        assert journey.timer("tm_dag").due_at == plus(clock.now, "P1D")
        journey.advance(days=1, seconds=1)
        review = journey.task("ut_bordbespreking")
        assert review.candidate_groups == ["ggz-fact"] and review.due_at == plus(clock.now, "P1D")
        journey.complete(
            "ut_bordbespreking", FATIMA, {"op_fact_bord": day < 2, "bord_reden": f"dag {day + 1}"}
        )
    assert journey.open() == ["ut_plan_herzien"]


def test_referral_waiting_times_go_to_the_insurer_at_four_and_fourteen_weeks(journey, clock):
    signal(journey, bekend_bij_fact=False)
    referred = clock.now
    intake = journey.task("ut_intake")
    assert intake.candidate_groups == ["ggz-fact", "verslavingszorg"]
    assert intake.due_at == plus(referred, "P4W")
    assert journey.timer("bt_wachttijd_4w").due_at == plus(referred, "P4W")
    assert journey.timer("bt_wachttijd_14w").due_at == plus(referred, "P14W")
    assert journey.visible_to("ut_intake") == {"fatima", "bram"}  # not the insurer
    journey.advance(weeks=4, seconds=1)
    assert journey.open() == ["ut_intake", "ut_wachtlijstbemiddeling"]
    mediation = journey.task("ut_wachtlijstbemiddeling")
    assert mediation.candidate_groups == ["verzekeraar"]
    assert journey.visible_to("ut_wachtlijstbemiddeling") == {"vera"}
    journey.complete(
        "ut_wachtlijstbemiddeling",
        VERA,
        {"bemiddeling_uitkomst": "alternatief_aanbod", "bemiddeld_op": "2026-04-01"},
    )
    journey.complete("ut_intake", FATIMA, {"intake_datum": "2026-04-02", "aanbieder": "GGZ Oost"})
    start = journey.task("ut_start_behandeling")
    assert start.due_at == plus(clock.now, "P10W")
    journey.advance(weeks=10)  # 14 weeks after the referral
    assert journey.open() == ["ut_start_behandeling", "ut_wachtlijstbemiddeling"]
    journey.complete(
        "ut_wachtlijstbemiddeling",
        VERA,
        {"bemiddeling_uitkomst": "geen_alternatief", "bemiddeld_op": "2026-06-10"},
    )
    journey.complete("ut_start_behandeling", FATIMA, {"start_datum": "2026-06-15"})
    assert journey.open() == ["ut_plan_herzien"]


def test_the_insurer_sees_nothing_but_its_mediation_task(journey, clock):
    signal(journey, bekend_bij_fact=False, verslavingszorg_nodig=True, begeleiding_nodig=True)
    journey.advance(weeks=4, seconds=1)
    from app.services.tasks import actions as tasks

    assert [t.element_id for t in tasks.list_tasks(VERA).items] == ["ut_wachtlijstbemiddeling"]


def test_escalation_tasks_can_be_handled_after_the_original(journey, clock):
    journey.start("opschalen", RUBEN, REQUEST)
    journey.advance(days=2)
    journey.complete("ut_signaal", RUBEN, SIGNAAL)
    journey.complete("ut_esc_signaal", RUBEN, ESCALATIE)
    assert journey.open() == ["ut_bordbesluit"]
