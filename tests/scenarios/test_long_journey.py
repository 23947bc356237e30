"""One resident, months long: report -> triage -> scale-up -> 60 days on the FACT board ->
evaluation -> scale-down -> warm handover -> aftercare -> relapse -> scale-up again.

Every step is its own transaction through the services, as in production; the clock moves
day by day and the worker's timer firing drives the board meetings and the aftercare.
"""

from __future__ import annotations

from .support import (
    ANNA,
    DRIEGESPREK,
    EERSTE_CONTACT,
    EVALUATIE,
    FATIMA,
    HUISARTS,
    MELDING,
    OVERDRACHT,
    PETRA,
    PLAN_HERZIEN,
    RUBEN,
    SIGNAAL,
    VRAAGVERKENNING,
    ZRM_OK,
    plus,
    working_days,
)

BOARD_DAYS = 60


def test_report_to_relapse_and_scale_up_again(journey, clock):
    # -- P1: report and triage ------------------------------------------------------------
    journey.start("triage", HUISARTS, {"vraag": "Mevrouw komt de deur niet meer uit", "melder": "huisarts"})
    assert journey.task("ut_melding").candidate_groups == ["wijkteam-triage"]
    journey.complete("ut_melding", ANNA, MELDING, claim=True)
    assert journey.task("ut_eerste_contact").due_at == working_days(clock.now, 2)
    journey.advance(days=1)
    journey.complete("ut_eerste_contact", ANNA, EERSTE_CONTACT)
    journey.advance(days=5)
    journey.complete(
        "ut_vraagverkenning",
        PETRA,
        {
            **VRAAGVERKENNING,
            "vier_d_knelpunten": ["geest", "sociaal"],
            "zrm": {**ZRM_OK, "geestelijke_gezondheid": 2, "sociaal_netwerk": 2},
            "bekend_bij_fact": True,
        },
    )
    # DMN rule 2: known to FACT, mental health <= 2 -> scale up within 24 hours.
    assert journey.status("triage") == "completed"
    [request] = journey.messages("opschaalverzoek")
    assert request.payload == {"reden": "bekend bij FACT, geestelijke gezondheid <= 2", "urgentie": "24u"}

    # -- P2: scale-up, onto the FACT board -------------------------------------------------
    first_scale_up = journey.instance("opschalen")
    assert first_scale_up.case_id == journey.case_id
    assert journey.task("ut_signaal").due_at == working_days(clock.now, 1)
    journey.complete("ut_signaal", FATIMA, SIGNAAL, claim=True)
    board = journey.task("ut_bordbesluit")
    assert board.candidate_groups == ["ggz-fact"] and board.due_at == plus(clock.now, "P1D")
    journey.complete("ut_bordbesluit", FATIMA, {"op_fact_bord": True, "bord_reden": "dreigende ontregeling"})

    for day in range(1, BOARD_DAYS + 1):
        assert journey.open() == [], day
        assert journey.advance(days=1, seconds=1) == 1, day
        review = journey.task("ut_bordbespreking")
        assert review.due_at == plus(clock.now, "P1D"), day
        journey.complete(
            "ut_bordbespreking",
            FATIMA,
            {
                "op_fact_bord": day < BOARD_DAYS,
                "bord_reden": f"dag {day}: {'blijft' if day < BOARD_DAYS else 'stabiel'}",
            },
        )
    assert journey.open() == ["ut_plan_herzien"]
    journey.complete("ut_plan_herzien", RUBEN, PLAN_HERZIEN)
    assert journey.status("opschalen") == "completed"

    # -- P3: evaluation, scale-down, warm handover -----------------------------------------
    [start] = journey.messages("start-evaluatie")
    assert start.payload["aanleiding_domeinen"] == ["geestelijke_gezondheid"]
    assert journey.task("ut_evaluatie").due_at == plus(clock.now, "P2W")
    journey.advance(days=10)
    journey.complete("ut_evaluatie", RUBEN, {**EVALUATIE, "weken_zonder_crisis": 10})
    assert journey.data("afschalen")["advies"] == "klaar om af te schalen"
    journey.complete("ut_overdracht", RUBEN, OVERDRACHT)
    assert journey.task("ut_overdracht_accepteren").due_at == working_days(clock.now, 5)
    journey.advance(days=2)
    journey.complete(
        "ut_overdracht_accepteren", ANNA, {"overdracht_geaccepteerd": True, "contactpersoon": "Anna"}
    )
    journey.complete("ut_driegesprek", ANNA, DRIEGESPREK)

    # -- aftercare, relapse -----------------------------------------------------------------
    journey.pass_timer("tm_nazorg_2w")
    journey.complete("ut_nazorg_2w", PETRA, {"terugval": False})
    journey.pass_timer("tm_nazorg_3m")
    journey.complete(
        "ut_nazorg_3m",
        ANNA,
        {"terugval": True, "signalen": ["gemiste_contacten", "zrm_daling"], "urgentie": "24u"},
    )
    assert journey.status("afschalen") == "completed"

    # -- P2 again, in the same case -----------------------------------------------------------
    scale_ups = journey.instances("opschalen")
    assert len(scale_ups) == 2 and scale_ups[0].id == first_scale_up.id
    assert scale_ups[1].status == "running" and scale_ups[1].case_id == journey.case_id
    assert journey.data("opschalen")["terugvalsignaal"] == {
        "reden": "terugval na 3 maanden nazorg",
        "urgentie": "24u",
    }
    again = journey.task("ut_signaal")
    assert again.candidate_groups == ["wijkteam-regie", "ggz-fact"]
    assert again.due_at == working_days(clock.now, 1)
    assert journey.open() == ["ut_signaal"]
