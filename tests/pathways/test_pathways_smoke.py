"""Smoke runs of every pathway with bare SpiffWorkflow (default script engine).

Timers are made due by back-dating their computed fire time; messages thrown by one
process are delivered to the next the way the service will route them by name.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from SpiffWorkflow.util.task import TaskState

from tests.support import ZRM_DOMAINS

from .helpers import NS, Run, bpmn_files, evaluate, message, xml

ZRM_OK = dict.fromkeys(ZRM_DOMAINS, 4)
PG = {
    "lichaamsfuncties": 6,
    "mentaal_welbevinden": 5,
    "zingeving": 6,
    "kwaliteit_van_leven": 5,
    "meedoen": 4,
    "dagelijks_functioneren": 6,
}
MELDING = {
    "bewoner": {"naam": "A. Bewoner", "telefoon": "0600000000"},
    "vraag_eigen_woorden": "Ik red het niet meer met de post en de buren",
    "melder_rol": "huisarts",
    "toestemming_bewoner": "ja",
}


def lanes():
    """(process id, task id) -> lane name, from the XML."""
    out = {}
    for path in bpmn_files():
        for proc in xml(path).iterfind("bpmn:process", NS):
            for lane in proc.iterfind(".//bpmn:lane", NS):
                for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                    out[proc.get("id"), ref.text] = lane.get("name")
    return out


LANES = lanes()


def lane_of(run, bpmn_id):
    task = run.task(bpmn_id)
    assert task.task_spec.lane == LANES[task.workflow.spec.name, bpmn_id]
    return task.task_spec.lane


def start_triage(parser, **melding):
    run = Run(parser, "triage")
    assert run.waiting() == ["start_melding"]
    run.deliver(message("melding", {"vraag": MELDING["vraag_eigen_woorden"]}))
    assert run.ready() == ["ut_melding"]
    assert lane_of(run, "ut_melding") == "wijkteam-triage"
    assert run.task("ut_melding").data["melding"]["vraag"].startswith("Ik red")
    run.complete("ut_melding", **{**MELDING, "acute_signalen": [], **melding})
    return run


def through_intake(parser, zrm=None, vier_d=("praktisch",), **extra):
    run = start_triage(parser)
    assert run.ready() == ["ut_eerste_contact"]
    assert "bt_eerste_contact" in run.waiting()
    run.complete("ut_eerste_contact", contact_datum="2026-01-05", contactwijze="huisbezoek")
    assert lane_of(run, "ut_vraagverkenning") == "wijkteam-triage"
    data = {
        "hulpvraag": "rust in huis",
        "vier_d_knelpunten": list(vier_d),
        "positieve_gezondheid": PG,
        "zrm": {**ZRM_OK, **(zrm or {})},
        "netwerk": [{"naam": "zus", "relatie": "naaste", "mag_geinformeerd": True}],
        "toestemming_delen_domeinen": True,
        "bekend_bij_fact": False,
        "weigert_zorg_ernstig_nadeel": False,
        **extra,
    }
    run.complete("ut_vraagverkenning", **data)
    return run


# ------------------------------------------------------------------ P1 triage
def test_first_contact_deadline_escalates_without_cancelling(parser):
    run = start_triage(parser)
    run.fire("bt_eerste_contact")
    assert run.ready() == ["ut_eerste_contact", "ut_esc_eerste_contact"]
    assert lane_of(run, "ut_esc_eerste_contact") == "wijkteam-regie"
    run.complete("ut_esc_eerste_contact", genomen_actie="team_aangesproken")
    assert run.ready() == ["ut_eerste_contact"]


ROUTES = [
    # (zrm overrides, 4D domains, extra intake data) -> (route, urgentie, casusoverleg)
    ({}, ["praktisch"], {"weigert_zorg_ernstig_nadeel": True}, ("meldpunt_wvggz", "24u", True)),
    ({"geestelijke_gezondheid": 2}, ["geest"], {"bekend_bij_fact": True}, ("opschalen", "24u", False)),
    ({"middelengebruik": 2}, ["lichaam"], {"bekend_bij_fact": True}, ("opschalen", "24u", False)),
    ({"geestelijke_gezondheid": 2, "huisvesting": 1}, ["geest"], {}, ("opschalen", "24u", False)),
    ({"middelengebruik": 1}, ["lichaam"], {}, ("opschalen", "24u", False)),
    ({"geestelijke_gezondheid": 2}, ["geest"], {}, ("meekijkconsult", "regulier", False)),
    ({"middelengebruik": 2}, ["lichaam"], {}, ("meekijkconsult", "regulier", False)),
    ({"financien": 1}, ["praktisch", "sociaal", "geest"], {}, ("wijkteam", "24u", True)),
    ({"huisvesting": 1}, ["praktisch"], {}, ("wijkteam", "24u", False)),
    ({}, ["praktisch", "sociaal", "lichaam"], {}, ("wijkteam", "regulier", True)),
    ({"financien": 2}, ["praktisch"], {}, ("wijkteam", "regulier", False)),
    ({}, ["sociaal"], {}, ("nulde_lijn", "regulier", False)),
]


@pytest.mark.parametrize(("zrm", "vier_d", "extra", "expected"), ROUTES)
def test_triage_decision_rules(parser, zrm, vier_d, extra, expected):
    run = through_intake(parser, zrm, vier_d, **extra)
    route, urgentie, casus = expected
    task = next(t for t in run.wf.get_tasks() if t.task_spec.bpmn_id == "br_urgentie_route")
    assert task.state == TaskState.COMPLETED
    assert (task.data["route"], task.data["urgentie"], task.data["casusoverleg"]) == expected
    assert task.data["reden"]
    if casus:
        assert run.ready() == ["ut_casusoverleg"]
        assert lane_of(run, "ut_casusoverleg") == "wijkteam-regie"
        run.complete(
            "ut_casusoverleg",
            deelnemers=["wijkteam-regie"],
            afspraken="-",
            route=route,
            leercasus=True,
            leervraag="hoe houden we contact?",
        )
    first = {
        "nulde_lijn": "ut_nulde_lijn",
        "wijkteam": "ut_plan",
        "meekijkconsult": "ut_meekijkconsult",
        "meldpunt_wvggz": "ut_meldpunt",
    }
    if route == "opschalen":
        assert run.wf.is_completed()
        assert run.take("opschaalverzoek").payload == {"reden": task.data["reden"], "urgentie": urgentie}
    else:
        assert run.ready() == [first[route]]


def test_acute_report_goes_to_crisis_service_and_waits(parser):
    run = start_triage(parser, acute_signalen=["suicidaliteit"], urgentie="1u")
    alert = run.take("crisismelding")
    assert alert.payload == {"urgentie": "1u", "signalen": ["suicidaliteit"]}
    assert run.ready() == [] and run.waiting() == ["rt_crisis_beoordeeld"]

    crisis = Run(parser, "crisisbeoordeling")
    crisis.deliver(alert)
    assert crisis.ready() == ["ut_crisisbeoordeling"]
    assert lane_of(crisis, "ut_crisisbeoordeling") == "ggz-crisis"
    assert crisis.wf.waiting_events()  # the urgency timer is armed
    crisis.fire("bt_crisisbeoordeling")
    assert crisis.ready() == ["ut_crisisbeoordeling", "ut_esc_crisisbeoordeling"]
    crisis.complete("ut_esc_crisisbeoordeling", genomen_actie="team_aangesproken")
    crisis.complete(
        "ut_crisisbeoordeling",
        ter_plaatse_op="2026-01-05T10:40:00+01:00",
        uitkomst="geen_acute_crisis",
        vervolg="terug_naar_wijkteam",
        crisisplan_afgesproken=True,
    )
    assert crisis.wf.is_completed()
    answer = crisis.take("crisis-beoordeeld")
    assert answer.payload == {"uitkomst": "geen_acute_crisis", "vervolg": "terug_naar_wijkteam"}
    run.deliver(answer)
    assert run.ready() == ["ut_eerste_contact"]


@pytest.mark.parametrize(("urgentie", "hours"), [("1u", 1), ("4u", 4), ("24u", 24)])
def test_crisis_timer_follows_urgency(parser, urgentie, hours):
    crisis = Run(parser, "crisisbeoordeling")
    crisis.deliver(message("crisismelding", {"urgentie": urgentie, "signalen": ["agressie"]}))
    timer = next(
        t
        for t in crisis.wf.get_tasks(state=TaskState.WAITING)
        if t.task_spec.bpmn_id == "bt_crisisbeoordeling"
    )
    due = datetime.fromisoformat(timer._get_internal_data("event_value"))
    left = (due - datetime.now(UTC)).total_seconds() / 3600
    assert hours - 0.1 < left <= hours


@pytest.mark.parametrize(
    ("urgentie", "due", "priority"), [("1u", "PT1H", 100), ("4u", "PT4H", 90), ("24u", "PT24H", 75)]
)
def test_crisis_task_due_and_priority_follow_urgency(parser, urgentie, due, priority):
    crisis = Run(parser, "crisisbeoordeling")
    crisis.deliver(message("crisismelding", {"urgentie": urgentie, "signalen": []}))
    task = crisis.task("ut_crisisbeoordeling")
    attrs = task.task_spec._zorgpad_attrs
    assert evaluate(attrs["dueDate"][1:], task.data) == due
    assert evaluate(attrs["priority"][1:], task.data) == priority


def test_working_day_due_dates_evaluate(parser):
    run = start_triage(parser)
    task = run.task("ut_eerste_contact")
    due = evaluate(task.task_spec._zorgpad_attrs["dueDate"][1:], task.data)
    assert 2 <= (due - datetime.now(UTC)).days + 1 <= 4


def test_crisis_then_scale_up(parser):
    run = start_triage(parser, acute_signalen=["psychose_gevaar"], urgentie="4u")
    run.take("crisismelding")
    run.deliver(message("crisis-beoordeeld", {"uitkomst": "vrijwillige_opname", "vervolg": "opschalen"}))
    assert run.wf.is_completed()
    assert run.take("opschaalverzoek").payload == {"reden": "crisisbeoordeling", "urgentie": "4u"}


def test_zeroth_line_follow_up_after_four_weeks(parser):
    run = through_intake(parser, vier_d=["sociaal"])
    assert lane_of(run, "ut_nulde_lijn") == "peer-expert"
    run.complete("ut_nulde_lijn", ingezet=["steunkring"])
    assert run.ready() == [] and "tm_vervolg_4w" in run.waiting()
    run.fire("tm_vervolg_4w")
    run.complete("ut_vervolgcontact", hoe_gaat_het=4, meer_steun_nodig=True)
    assert run.ready() == ["ut_plan"]


def test_zeroth_line_ends_when_it_goes_well(parser):
    run = through_intake(parser, vier_d=["sociaal"])
    run.complete("ut_nulde_lijn", ingezet=["inloop"])
    run.fire("tm_vervolg_4w")
    run.complete("ut_vervolgcontact", hoe_gaat_het=8, meer_steun_nodig=False)
    assert run.wf.is_completed()


def test_neighbourhood_plan_with_wmo_and_its_deadlines(parser):
    run = through_intake(parser, {"financien": 2})
    assert lane_of(run, "ut_plan") == "wijkteam-regie"
    run.complete(
        "ut_plan",
        doelen=[{"doel": "schulden op orde", "domein": "praktisch"}],
        wmo_voorziening_nodig=True,
        evaluatiedatum="2026-04-01",
    )
    assert lane_of(run, "ut_wmo_onderzoek") == "gemeente-wmo"
    run.fire("bt_wmo_onderzoek")
    assert run.ready() == ["ut_esc_wmo_onderzoek", "ut_wmo_onderzoek"]
    run.complete(
        "ut_wmo_onderzoek", gesprek_datum="2026-02-01", verslag_gedeeld=True, aanvraag_ingediend=True
    )
    run.fire("bt_wmo_besluit")
    assert "ut_esc_wmo_besluit" in run.ready()
    run.complete("ut_wmo_besluit", besluit="toegekend", motivering="passend")
    run.complete("ut_esc_wmo_onderzoek", genomen_actie="bewoner_geinformeerd")
    run.complete("ut_esc_wmo_besluit", genomen_actie="team_aangesproken")
    assert run.wf.is_completed()


def test_consult_can_advise_scale_up(parser):
    run = through_intake(parser, {"geestelijke_gezondheid": 2}, ["geest"])
    assert lane_of(run, "ut_meekijkconsult") == "ggz-fact"
    run.complete("ut_meekijkconsult", advies="FACT", advies_opschalen=True)
    assert run.take("opschaalverzoek").payload["reden"] == "geestelijke gezondheid <= 2"


def test_consult_back_to_neighbourhood_team(parser):
    run = through_intake(parser, {"geestelijke_gezondheid": 2}, ["geest"])
    run.complete("ut_meekijkconsult", advies="POH-GGZ erbij", advies_opschalen=False)
    assert run.ready() == ["ut_plan"]


@pytest.mark.parametrize("vervolg", ["bemoeizorg", "wvggz", "opschalen"])
def test_concern_report_routes(parser, vervolg):
    run = through_intake(parser, weigert_zorg_ernstig_nadeel=True)
    run.complete(
        "ut_casusoverleg", deelnemers=["ggd-meldpunt"], afspraken="-", route="meldpunt_wvggz", leercasus=False
    )
    assert lane_of(run, "ut_meldpunt") == "ggd-meldpunt"
    run.fire("bt_meldpunt")
    run.complete("ut_esc_meldpunt", genomen_actie="team_aangesproken")
    run.complete("ut_meldpunt", opgepakt_op="2026-01-06", bewoner_bereikt=False, vervolg_meldpunt=vervolg)
    if vervolg == "wvggz":
        assert lane_of(run, "ut_wvggz_onderzoek") == "gemeente-wvggz"
        run.fire("bt_wvggz_onderzoek")
        assert "ut_esc_wvggz_onderzoek" in run.ready()
        run.complete("ut_wvggz_onderzoek", uitkomst="vrijwillige_zorg", afgerond_op="2026-01-15")
        run.complete("ut_esc_wvggz_onderzoek", genomen_actie="team_aangesproken")
    assert run.wf.is_completed()
    assert bool([e for e in run.events if e.event_definition.name == "opschaalverzoek"]) == (
        vervolg == "opschalen"
    )


# ------------------------------------------------------------------ P2 opschalen
SIGNAAL = {
    "signaal_type": "opschaalverzoek",
    "acuut": False,
    "urgentie": "24u",
    "aanleiding_domeinen": ["geestelijke_gezondheid"],
    "bekend_bij_fact": True,
    "weigert_zorg_ernstig_nadeel": False,
    "verslavingszorg_nodig": False,
    "begeleiding_nodig": False,
}


def start_opschalen(parser, name="opschaalverzoek", **signaal):
    run = Run(parser, "opschalen")
    assert run.waiting() == ["start_opschaalverzoek", "start_terugvalsignaal"]
    run.deliver(message(name, {"reden": "test", "urgentie": "24u"}))
    assert run.ready() == ["ut_signaal"]
    assert lane_of(run, "ut_signaal") == "wijkteam-regie"
    assert run.task("ut_signaal").data[name.replace("-", "_")]["reden"] == "test"
    run.complete("ut_signaal", **{**SIGNAAL, **signaal})
    return run


def test_fact_board_daily_loop_runs_sixty_days(parser):
    run = start_opschalen(parser, verslavingszorg_nodig=True)
    assert run.ready() == ["ut_bordbesluit", "ut_verslavingszorg"]
    assert lane_of(run, "ut_bordbesluit") == "ggz-fact"
    assert lane_of(run, "ut_verslavingszorg") == "verslavingszorg"
    run.complete("ut_verslavingszorg", inzet="ambulant")
    run.complete("ut_bordbesluit", op_fact_bord=True, bord_reden="dreigende ontregeling")
    for day in range(60):
        assert run.ready() == [] and "tm_dag" in run.waiting(), day
        run.fire("tm_dag")
        run.complete("ut_bordbespreking", op_fact_bord=day < 59, bord_reden=f"dag {day}")
    assert run.ready() == ["ut_plan_herzien"]
    run.complete(
        "ut_plan_herzien",
        doelen=[{"doel": "rust", "domein": "geest"}],
        crisisplan_actueel=True,
        naasten_informeren=False,
    )
    assert run.wf.is_completed()
    assert run.take("start-evaluatie").payload == {
        "reden": "opschaling afgerond",
        "aanleiding_domeinen": ["geestelijke_gezondheid"],
    }


def test_board_not_needed_goes_straight_to_plan(parser):
    run = start_opschalen(parser, begeleiding_nodig=True)
    run.complete("ut_bordbesluit", op_fact_bord=False, bord_reden="stabiel genoeg")
    assert run.ready() == ["ut_begeleiding"]  # the inclusive join waits for begeleiding
    assert lane_of(run, "ut_begeleiding") == "begeleiding"
    run.complete("ut_begeleiding", inzet="woonbegeleiding")
    assert run.ready() == ["ut_plan_herzien"]


def test_referral_waiting_times_trigger_insurer_mediation(parser):
    run = start_opschalen(parser, bekend_bij_fact=False)
    assert run.ready() == ["ut_intake"]
    assert run.task("ut_intake").task_spec.lane == "ggz-fact"
    run.fire("bt_wachttijd_4w")
    assert run.ready() == ["ut_intake", "ut_wachtlijstbemiddeling"]
    mediation = run.task("ut_wachtlijstbemiddeling")
    assert mediation.task_spec.lane == "verzekeraar"
    run.complete(
        "ut_wachtlijstbemiddeling", bemiddeling_uitkomst="alternatief_aanbod", bemiddeld_op="2026-02-01"
    )
    run.complete("ut_intake", intake_datum="2026-02-03", aanbieder="GGZ Oost")
    run.fire("bt_wachttijd_14w")
    assert run.ready() == ["ut_start_behandeling", "ut_wachtlijstbemiddeling"]
    assert run.task("ut_wachtlijstbemiddeling").workflow.spec.name == "opschalen"
    run.complete(
        "ut_wachtlijstbemiddeling", bemiddeling_uitkomst="geen_alternatief", bemiddeld_op="2026-04-01"
    )
    run.complete("ut_start_behandeling", start_datum="2026-04-10")
    assert run.ready() == ["ut_plan_herzien"]


def test_acute_signal_and_refusal_with_serious_harm(parser):
    run = start_opschalen(parser, acuut=True, urgentie="4u", weigert_zorg_ernstig_nadeel=True)
    assert run.take("crisismelding").payload == {"urgentie": "4u", "signalen": ["opschaalverzoek"]}
    assert run.ready() == [] and run.waiting() == ["rt_crisis_beoordeeld"]
    run.deliver(message("crisis-beoordeeld", {"uitkomst": "ambulante_interventie", "vervolg": "opschalen"}))
    assert run.ready() == ["ut_wvggz_onderzoek"]
    assert lane_of(run, "ut_wvggz_onderzoek") == "gemeente-wvggz"
    run.complete("ut_wvggz_onderzoek", uitkomst="aanvraag_zorgmachtiging", afgerond_op="2026-01-20")
    assert run.ready() == ["ut_bordbesluit"]


def test_signal_assessment_deadline_escalates(parser):
    run = Run(parser, "opschalen")
    run.deliver(message("terugvalsignaal", {"reden": "test", "urgentie": "24u"}))
    run.fire("bt_signaal")
    assert run.ready() == ["ut_esc_signaal", "ut_signaal"]


# ------------------------------------------------------------------ P3 afschalen
EVALUATIE = {
    "zrm": ZRM_OK,
    "positieve_gezondheid": PG,
    "aanleiding_domeinen": ["geestelijke_gezondheid"],
    "weken_zonder_crisis": 12,
    "crisisplan_gecontroleerd": True,
    "bewoner_wil_afschalen": True,
    "netwerk_op_orde": True,
    "ontvangende_partij": "wijkteam",
}

READINESS = [
    ({}, True),
    ({"bewoner_wil_afschalen": False}, False),
    ({"zrm": {**ZRM_OK, "geestelijke_gezondheid": 2}}, False),
    ({"weken_zonder_crisis": 7}, False),
    ({"netwerk_op_orde": False}, False),
    ({"ontvangende_partij": "geen"}, False),
    ({"aanleiding_domeinen": []}, True),
]


@pytest.mark.parametrize(("change", "gereed"), READINESS)
def test_readiness_rules(parser, change, gereed):
    run = Run(parser, "afschalen")
    run.deliver(message("start-evaluatie", {"reden": "x", "aanleiding_domeinen": []}))
    run.complete("ut_evaluatie", **{**EVALUATIE, **change})
    if gereed:
        assert run.ready() == ["ut_overdracht"]
    else:
        assert run.ready() == [] and "tm_herbeoordeling" in run.waiting()


def test_scale_down_handover_aftercare_and_relapse(parser):
    run = Run(parser, "afschalen")
    run.deliver(
        message(
            "start-evaluatie",
            {"reden": "opschaling afgerond", "aanleiding_domeinen": ["geestelijke_gezondheid"]},
        )
    )
    assert lane_of(run, "ut_evaluatie") == "wijkteam-regie"
    run.complete("ut_evaluatie", **{**EVALUATIE, "weken_zonder_crisis": 3})
    run.fire("tm_herbeoordeling")  # three months later
    run.complete("ut_evaluatie", **EVALUATIE)
    assert run.task("ut_overdracht").data["advies"] == "klaar om af te schalen"
    run.complete(
        "ut_overdracht",
        ontvanger="wijkteam",
        ontvanger_naam="Wijkteam Noord",
        terugkeerroute="bel regie",
        toestemming_overdracht=True,
    )
    assert lane_of(run, "ut_overdracht_accepteren") == "wijkteam-triage"
    run.fire("bt_overdracht")
    assert run.ready() == ["ut_esc_overdracht_accepteren", "ut_overdracht_accepteren"]
    run.complete("ut_esc_overdracht_accepteren", genomen_actie="team_aangesproken")
    run.complete(
        "ut_overdracht_accepteren", overdracht_geaccepteerd=False, reden_niet_geaccepteerd="geen capaciteit"
    )
    assert run.ready() == ["ut_overdracht"]
    run.complete(
        "ut_overdracht",
        ontvanger="poh_ggz",
        ontvanger_naam="Praktijk Zuid",
        terugkeerroute="bel regie",
        toestemming_overdracht=True,
    )
    run.complete("ut_overdracht_accepteren", overdracht_geaccepteerd=True, contactpersoon="POH")
    run.complete(
        "ut_driegesprek",
        gesprek_datum="2026-06-01",
        nieuwe_regievoerder="POH-GGZ",
        terugkeerroute_in_plan=True,
    )
    assert run.ready() == [] and "tm_nazorg_2w" in run.waiting()
    run.fire("tm_nazorg_2w")
    run.complete("ut_nazorg_2w", terugval=False)
    run.fire("tm_nazorg_3m")
    run.complete("ut_nazorg_3m", terugval=True, signalen=["gemiste_contacten"], urgentie="24u")
    assert run.wf.is_completed()
    relapse = run.take("terugvalsignaal")
    assert relapse.payload == {"reden": "terugval na 3 maanden nazorg", "urgentie": "24u"}

    again = Run(parser, "opschalen")
    again.deliver(relapse)
    assert again.ready() == ["ut_signaal"]


def test_aftercare_ends_quietly(parser):
    run = Run(parser, "afschalen")
    run.deliver(message("start-evaluatie", {"reden": "x", "aanleiding_domeinen": []}))
    run.complete("ut_evaluatie", **EVALUATIE)
    run.complete(
        "ut_overdracht",
        ontvanger="nulde_lijn",
        ontvanger_naam="Steunkring",
        terugkeerroute="-",
        toestemming_overdracht=True,
    )
    run.complete("ut_overdracht_accepteren", overdracht_geaccepteerd=True, contactpersoon="X")
    run.complete(
        "ut_driegesprek", gesprek_datum="2026-06-01", nieuwe_regievoerder="X", terugkeerroute_in_plan=True
    )
    run.fire("tm_nazorg_2w")
    run.complete("ut_nazorg_2w", terugval=True, signalen=["zrm_daling"], urgentie="regulier")
    assert run.wf.is_completed()
    assert run.take("terugvalsignaal").payload["reden"] == "terugval na 2 weken nazorg"


# ------------------------------------------------------------------ leren
def test_learning_cycle_creates_a_session_task_every_fortnight(parser):
    """One long-running `leren` instance: each cycle of the timer start adds a task; the
    service puts the pseudonymised `leercasussen` into it."""
    run = Run(parser, "leren")
    assert run.waiting() == ["start_leren"]
    for fortnight in range(3):
        run.fire("start_leren")
        assert run.ready() == ["ut_leersessie"], fortnight
        assert run.task("ut_leersessie").task_spec.lane == "wijkteam-regie"
        cases = [{"pseudoniem": f"casus-{fortnight}", "leervraag": "contact houden"}]
        run.complete("ut_leersessie", leercasussen=cases, sessiedatum="2026-01-14")
        assert run.ready() == [] and run.waiting() == ["start_leren"]
    assert not run.wf.is_completed()


# ------------------------------------------------------------------ why no none starts
NONE_AND_MESSAGE_START = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t"><bpmn:message id="m" name="melding" />
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="by_hand"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:startEvent id="by_message"><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:messageEventDefinition id="md" messageRef="m" /></bpmn:startEvent>
    <bpmn:userTask id="t"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f2</bpmn:incoming>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="by_hand" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="by_message" targetRef="t" />
  </bpmn:process></bpmn:definitions>"""


def test_a_none_start_would_cancel_the_message_starts():
    """Why the pathways have message starts only: SpiffWorkflow 3.2 races all start events
    and the none start wins at once, so a message start next to it can never fire."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    p = SpiffBpmnParser()
    p.add_bpmn_str(NONE_AND_MESSAGE_START)
    wf = BpmnWorkflow(p.get_spec("p"))
    wf.do_engine_steps()
    state = {t.task_spec.bpmn_id: t.state for t in wf.get_tasks() if t.task_spec.bpmn_id}
    assert state["by_hand"] == TaskState.COMPLETED
    assert state["by_message"] == TaskState.CANCELLED


# ------------------------------------------------------------------ persistence
def roundtrip(run):
    """Serialise and restore the workflow the way the service will store it."""
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    run.wf = serializer.deserialize_json(serializer.serialize_json(run.wf))
    # The script engine is not serialised (engine notes): set it again, as the service does.
    from app.engine.scripting import SafeScriptEngine

    run.wf.script_engine = SafeScriptEngine()
    return run


def test_every_waiting_state_survives_serialisation(parser):
    run = roundtrip(start_triage(parser, acute_signalen=["agressie"], urgentie="24u"))
    assert run.waiting() == ["rt_crisis_beoordeeld"]
    run.deliver(
        message("crisis-beoordeeld", {"uitkomst": "geen_acute_crisis", "vervolg": "terug_naar_wijkteam"})
    )
    assert roundtrip(run).ready() == ["ut_eerste_contact"]

    up = roundtrip(start_opschalen(parser, bekend_bij_fact=False, begeleiding_nodig=True))
    assert up.ready() == ["ut_begeleiding", "ut_intake"]
    roundtrip(up).fire("bt_wachttijd_4w")
    assert "ut_wachtlijstbemiddeling" in roundtrip(up).ready()

    board = start_opschalen(parser)
    board.complete("ut_bordbesluit", op_fact_bord=True, bord_reden="x")
    roundtrip(board).fire("tm_dag")
    assert roundtrip(board).ready() == ["ut_bordbespreking"]

    learn = roundtrip(Run(parser, "leren"))
    learn.fire("start_leren")
    assert roundtrip(learn).ready() == ["ut_leersessie"]
